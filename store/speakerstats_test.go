package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dangke"
)

// A week's lecturers as the Monday digest reads them, when a few lectures
// are dated after the week (most before it, so the kept rows are read):
// a lecturer is counted as of the week's end (their lectures, days,
// attendance and leading-cadre flag then), one who only lectured after it
// is not counted, and a withdrawal of a first or latest lecture moves the
// days back.
func TestSpeakerStatsAtWeeksEnd(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		u := addPath(t, s, "温县/城关镇/第一党支部", 30)
		lecture := func(speaker, d string, attendees int, leader bool) int64 {
			return addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: speaker, Position: "党员", Title: "《课》", Date: day(d),
				Attendees: attendees, Leader: leader, Chat: "c", CreatedAt: time.Now()})
		}
		for i := range 30 { // the weeks before: most of the lectures
			lecture(fmt.Sprint("讲课人", i%3), fmt.Sprintf("2019-07-%02d", 1+i%20), 10, false)
		}
		lecture("王五", "2019-07-22", 20, false) // in the week (Monday 07-22 … 07-28)
		lecture("王五", "2019-07-29", 30, true)  // after it, as a leading cadre
		lecture("赵六", "2019-07-30", 40, false) // only after it
		first := lecture("讲课人0", "2019-06-28", 5, true)
		week := dangke.Week(day("2019-07-22"))
		stats := func() map[string]dangke.SpeakerStat {
			got := map[string]dangke.SpeakerStat{}
			err := s.SpeakerStats(ctx, week, 0, func(r dangke.SpeakerStat) error {
				got[fmt.Sprintf("%s~%s %d %d", r.First, r.Last, r.Lectures, r.Attendees)] = r
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := stats()
		if len(got) != 4 {
			t.Fatalf("%d lecturers up to 07-28, want 4 (赵六 only after): %v", len(got), got)
		}
		w := got["2019-07-22~2019-07-22 1 20"] // 王五: one lecture, not as a leading cadre, by the week's end
		if w.Leader || w.ThisWeek != 1 || w.LastWeek != 0 {
			t.Errorf("王五 at the week's end: %+v", w)
		}
		if z := got["2019-06-28~2019-07-19 11 105"]; !z.Leader {
			t.Errorf("讲课人0: %+v (all: %v)", z, got)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, first, "console:admin", time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if z, ok := stats()["2019-07-01~2019-07-19 10 100"]; !ok || z.Leader {
			t.Errorf("讲课人0 after their first lecture was withdrawn: %+v", z)
		}
	})
}
