package commands_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/store"
)

// corpusCase is one line of testdata/corpus/lectures.jsonl (see its README).
type corpusCase struct {
	Text     string         `json:"text"`
	Today    string         `json:"today"`
	Expect   map[string]any `json:"expect"`
	Note     string         `json:"note"`
	Category string         `json:"category"`
}

// corpusFloor is the number of messages read right when this test was
// last tuned; reading fewer is a regression.
const corpusFloor = 126

// askWords map the field an expected question is about onto a word the
// reply must contain.
var askWords = map[string]string{
	"date": "日期", "attendees": "人数", "title": "题目", "speaker": "讲课人", "position": "职务",
	"leader": "领导", "satisfied": "满意", "venue": "场所", "minutes": "时长",
}

// TestCorpus feeds every message of the lecture corpus through the router,
// each from its own bound branch with the clock at the message's day 10:00,
// and compares what is saved with what a careful clerk makes of it. Nothing
// may be saved wrong, and nothing where the clerk would ask or refuse.
func TestCorpus(t *testing.T) {
	ctx := context.Background()
	f, err := os.Open("testdata/corpus/lectures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := store.Open(ctx, template.Fresh(t, "corpus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var now time.Time
	r := commands.New(st, commands.Config{Admins: []string{"c:admin"}, Location: shanghai, City: "焦作市",
		Campaign: dangke.DefaultCampaign(shanghai), Now: func() time.Time { return now }})
	var right, asked, wrong, missed int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var tc corpusCase
		if err := json.Unmarshal(sc.Bytes(), &tc); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		day, err := time.ParseInLocation(dangke.DateLayout, tc.Today, shanghai)
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		now = day.Add(10 * time.Hour)
		path := fmt.Sprintf("第%d县/城关镇/第一党支部", n)
		chat := dangke.ChatRef{Platform: "c", ID: fmt.Sprint("g", n), Group: true}
		send := func(from, text string) string {
			reply, err := r.Handle(ctx, dangke.Request{Chat: chat, From: dangke.Person{Platform: "c", ID: from}, Text: text, Time: now})
			if err != nil {
				t.Fatalf("line %d: %q: %v", n, text, err)
			}
			return reply.Text
		}
		send("admin", "/单位 新增 "+path+" 50")
		send("admin", "/单位 绑定 "+path)
		reply := send("clerk", tc.Text)
		u, err := st.UnitByPath(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		saved, err := st.Lectures(ctx, u.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		_, isAsk := tc.Expect["ask"]
		_, isRefuse := tc.Expect["refuse"]
		switch {
		case isAsk || isRefuse:
			if len(saved) > 0 {
				wrong++
				t.Errorf("line %d (%s): saved %+v where the clerk would %v\n%s\n%s", n, tc.Category, brief(saved[0]), tc.Expect, tc.Text, reply)
				continue
			}
			asked++
			if testing.Verbose() {
				t.Logf("line %d: %s\n  → %s", n, tc.Text, strings.ReplaceAll(reply, "\n", " / "))
			}
			if why, ok := tc.Expect["ask"].(string); ok {
				field, _, _ := strings.Cut(why, ":")
				if w := askWords[field]; w != "" && !strings.Contains(reply, w) {
					t.Errorf("line %d: the reply does not name %s (%s):\n%s\n%s", n, w, why, tc.Text, reply)
				}
			}
		case len(saved) == 0:
			missed++
			t.Logf("line %d (%s) asked where the clerk reads it: %s\n  %s", n, tc.Category, tc.Text, strings.ReplaceAll(reply, "\n", " / "))
		default:
			if diff := compare(saved[0], tc.Expect); diff != "" {
				wrong++
				t.Errorf("line %d (%s): saved wrong: %s\n%s\n%s", n, tc.Category, diff, tc.Text, reply)
				continue
			}
			right++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus: %d parsed right, %d asked or refused as expected, %d asked where the clerk reads it, %d saved wrong", right, asked, missed, wrong)
	if wrong > 0 {
		t.Errorf("%d messages saved wrong", wrong)
	}
	if right < corpusFloor {
		t.Errorf("%d messages parsed right, fewer than the %d reached before", right, corpusFloor)
	}
}

// brief shows a saved lecture's fields.
func brief(l dangke.Lecture) string {
	return fmt.Sprintf("%s/%s/《%s》/%s/%d venue=%s form=%s min=%d sat=%d/%d link=%s leader=%v", l.Speaker, l.Position, l.Title,
		l.Date.Format(dangke.DateLayout), l.Attendees, l.Venue, l.Form, l.Minutes, l.Satisfied, l.Surveyed, l.Link, l.Leader)
}

// compare returns how a saved lecture differs from the expected record, or "".
func compare(l dangke.Lecture, want map[string]any) string {
	got := map[string]any{
		"speaker": l.Speaker, "position": l.Position, "title": l.Title, "date": l.Date.Format(dangke.DateLayout),
		"attendees": float64(l.Attendees), "venue": l.Venue, "format": l.Form, "minutes": float64(l.Minutes),
		"satisfied": float64(l.Satisfied), "surveyed": float64(l.Surveyed), "url": l.Link, "leader": l.Leader,
	}
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			diffs = append(diffs, fmt.Sprintf("%s=%v want %v", k, g, w))
		}
	}
	return strings.Join(diffs, ", ")
}
