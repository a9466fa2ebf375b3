package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"dangke"
)

// TestReadersOnEveryEngine asks every reader of the showcase, files and
// digests once, over a subtree, the city and a period, on every engine:
// SQL that one engine takes and the other refuses (an unnamed subquery, a
// column outside GROUP BY, a sum of a condition) fails here.
func TestReadersOnEveryEngine(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		u := addPath(t, s, "温县/城关镇/第一党支部", 10)
		addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: "张三", Position: "书记", Title: "《一》", Date: day("2019-07-01"), Attendees: 10, Leader: true, Chat: "c", CreatedAt: time.Now()})
		addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: "李四", Position: "党员", Title: "《二》", Date: day("2019-07-09"), Attendees: 12, Chat: "c", CreatedAt: time.Now()})
		top, err := s.UnitByPath(ctx, "温县")
		if err != nil {
			t.Fatal(err)
		}
		week := dangke.Period{From: day("2019-07-01"), To: day("2019-07-07")}
		month := dangke.Period{From: day("2019-07-01"), To: day("2019-07-31")}
		for _, unit := range []int64{0, top.ID, u.ID} {
			for _, p := range []dangke.Period{{}, week, month} {
				if _, err := s.TopSpeakers(ctx, unit, p, 5); err != nil {
					t.Errorf("top speakers %d %v: %v", unit, p, err)
				}
				if _, err := s.Shows(ctx, unit, p); err != nil {
					t.Errorf("shows %d %v: %v", unit, p, err)
				}
				if _, err := s.DemoLectures(ctx, unit, p); err != nil {
					t.Errorf("demo lectures: %v", err)
				}
				if _, err := s.Excellents(ctx, unit, p); err != nil {
					t.Errorf("excellents: %v", err)
				}
				if _, err := s.FilesIn(ctx, unit, p); err != nil {
					t.Errorf("files in: %v", err)
				}
				if _, err := s.UnitImages(ctx, unit, p, 6); err != nil {
					t.Errorf("unit images: %v", err)
				}
				if _, err := s.Figures(ctx, unit, p); err != nil {
					t.Errorf("figures: %v", err)
				}
				if _, err := s.LectureCount(ctx, unit, p); err != nil {
					t.Errorf("lecture count: %v", err)
				}
				if !p.IsZero() {
					if _, err := s.DayCounts(ctx, unit, p); err != nil {
						t.Errorf("day counts: %v", err)
					}
				}
			}
		}
		if _, err := s.TopFigures(ctx, month); err != nil {
			t.Errorf("top figures: %v", err)
		}
		if _, err := s.CityPool(ctx, top.ID); err != nil {
			t.Errorf("city pool: %v", err)
		}
		if _, err := s.BoundChats(ctx); err != nil {
			t.Errorf("bound chats: %v", err)
		}
		// A subtree's lecturers (grouped in the order read) are the
		// province's lecturers of its units, on either engine.
		other := addPath(t, s, "孟县/城关镇/第二党支部", 10)
		addLecture(t, s, dangke.Lecture{UnitID: other.ID, Speaker: "王五", Position: "党员", Title: "《三》", Date: day("2019-07-02"), Attendees: 8, Chat: "c", CreatedAt: time.Now()})
		addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: "张三", Position: "书记", Title: "《四》", Date: day("2019-07-03"), Attendees: 9, Leader: true, Chat: "c", CreatedAt: time.Now()})
		stats := func(under int64) []string {
			var out []string
			if err := s.SpeakerStats(ctx, month, under, func(r dangke.SpeakerStat) error {
				if under == 0 && r.UnitID != u.ID {
					return nil
				}
				out = append(out, fmt.Sprintf("%+v", r))
				return nil
			}); err != nil {
				t.Fatalf("speaker stats %d: %v", under, err)
			}
			sort.Strings(out)
			return out
		}
		if all, sub := stats(0), stats(top.ID); len(sub) != 2 || strings.Join(all, "\n") != strings.Join(sub, "\n") {
			t.Errorf("speaker stats of 温县:\n%s\nof the province, its units:\n%s", strings.Join(sub, "\n"), strings.Join(all, "\n"))
		}
		if _, err := s.RecentLecture(ctx, "console:admin", "c", time.Now().Add(-time.Hour)); err != nil {
			t.Errorf("recent lecture: %v", err)
		}
	})
}
