package digest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/digest"
	"dangke/internal/seed"
	"dangke/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var cst = time.FixedZone("CST", 8*3600)

func day(m time.Month, d int) time.Time { return time.Date(2019, m, d, 0, 0, 0, 0, cst) }

// recorder is a Notifier that keeps what it is asked to send, failing on demand.
type recorder struct {
	mu    sync.Mutex
	sent  []string
	fail  int         // fail this many sends first
	after func(n int) // called after each successful send
	calls int
}

func (r *recorder) Notify(_ context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	r.mu.Lock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		r.mu.Unlock()
		return errors.New("send failed")
	}
	r.sent = append(r.sent, "→ "+chat.ID+"\n"+reply.Text)
	n := len(r.sent)
	after := r.after
	r.mu.Unlock()
	if after != nil {
		after(n)
	}
	return nil
}

type world struct {
	t      *testing.T
	st     *store.Store
	units  map[string]*dangke.Unit
	phones int
}

func newWorld(t *testing.T) *world {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	w := &world{t: t, st: st, units: map[string]*dangke.Unit{}}
	for _, u := range []struct {
		path    string
		members int
	}{{"温县/城关镇/第一党支部", 10}, {"温县/城关镇/第二党支部", 0}, {"温县/北冷乡/机关党支部", 8}, {"孟州市/机关党支部", 5}, {"市教育局/市一中党支部", 12}} {
		w.add(u.path, u.members)
	}
	for _, b := range [][2]string{{"g-branch", "温县/城关镇/第一党支部"}, {"g-county", "温县"}, {"g-idle", "温县/北冷乡/机关党支部"}} {
		chat, path := b[0], b[1]
		err := st.Update(ctx, func(tx dangke.Tx) error {
			return tx.BindChat(ctx, dangke.ChatRef{Platform: "test", ID: chat, Group: true}, w.units[path].ID, "test:admin", day(6, 1))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Update(ctx, func(tx dangke.Tx) error {
		return tx.BindCity(ctx, dangke.ChatRef{Platform: "test", ID: "g-city", Group: true}, "test:admin", day(6, 1))
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) add(path string, members int) {
	ctx := context.Background()
	names, _ := dangke.ParsePath(path)
	err := w.st.Update(ctx, func(tx dangke.Tx) error {
		var parent int64
		for i := range names {
			p := dangke.JoinPath(names[:i+1])
			u, err := tx.UnitByPath(ctx, p)
			if dangke.ErrorCode(err) == dangke.ENOTFOUND {
				u = &dangke.Unit{ParentID: parent, Name: names[i], Kind: dangke.InferUnitKind(i+1, names[i])}
				if i == len(names)-1 {
					u.Members = members
				}
				err = tx.AddUnit(ctx, u)
			}
			if err != nil {
				return err
			}
			w.units[p], parent = u, u.ID
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) lecture(path, speaker, position string, date time.Time, attendees int) {
	ctx := context.Background()
	l := &dangke.Lecture{UnitID: w.units[path].ID, Speaker: speaker, Position: position, Title: "我和我的祖国", Date: date,
		Attendees: attendees, Form: "普通", Leader: dangke.IsLeaderPosition(position), Author: "test:u", Chat: "test:g"}
	if err := w.st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, l) }); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) lecturers(county string, n int) {
	ctx := context.Background()
	c := w.units[county]
	for i := 0; i < n; i++ {
		w.phones++
		in := &dangke.Instructor{PoolID: c.ID, UnitID: c.ID, Name: "宣讲员", Gender: "女", BirthY: 1980, BirthM: 1, Position: "教师",
			Phone: fmt.Sprintf("138%08d", w.phones), Author: "test:u", Chat: "test:g"}
		if err := w.st.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, in) }); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) scheduler(n dangke.Notifier, now *time.Time) *digest.Scheduler {
	return &digest.Scheduler{Store: w.st, Notifiers: map[string]dangke.Notifier{"test": n}, Campaign: dangke.DefaultCampaign(cst),
		City: "焦作市", Rubric: dangke.DefaultRubric(), Now: func() time.Time { return *now },
		Sleep: func(context.Context, time.Duration) error { return nil }}
}

// TestCampaign runs the 2019 campaign week by week on a fixed clock and
// compares every digest with testdata/campaign.golden: a branch, a county,
// an idle branch and the city, through the week the pool deadline passes,
// with a branch whose member count is not set.
func TestCampaign(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rec := &recorder{}
	var now time.Time
	s := w.scheduler(rec, &now)
	// What happens, by week (the Monday of the week it happens in).
	events := map[string]func(){
		"06-03": func() {
			w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(6, 4), 40)
			w.lecturers("温县", 12)
		},
		"06-10": func() { w.lecture("温县/城关镇/第一党支部", "李四", "党员", day(6, 12), 30) },
		"06-24": func() {
			w.lecture("孟州市/机关党支部", "王五", "党员", day(6, 25), 12)
			w.lecturers("温县", 6)
		},
		"07-08": func() {
			w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(7, 9), 35)
			w.lecture("温县/城关镇/第二党支部", "赵六", "党员", day(7, 10), 20)
		},
		"09-16": func() {
			w.lecture("市教育局/市一中党支部", "钱七", "校长", day(9, 17), 50)
			w.lecturers("孟州市", 20)
		},
	}
	var out strings.Builder
	for monday := day(6, 3); monday.Before(day(10, 8)); monday = monday.AddDate(0, 0, 7) {
		if ev := events[monday.Format("01-02")]; ev != nil {
			ev()
		}
		now = monday.AddDate(0, 0, 7).Add(9 * time.Hour) // the next Monday, 09:00
		before := len(rec.sent)
		if _, err := s.RunWeek(ctx, dangke.Week(monday), false, nil); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "\n######## %s\n", dangke.WeekLabel(dangke.Week(monday)))
		for _, m := range rec.sent[before:] {
			out.WriteString(m + "\n\n")
		}
	}
	golden(t, "campaign", out.String())
	// The same week again sends nothing: every chat has had it.
	res, err := s.RunWeek(ctx, dangke.Week(day(9, 30)), false, nil)
	if err != nil || res.Sent != 0 || res.Skipped != 4 {
		t.Fatalf("second run %+v %v", res, err)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./digest -update)", err)
	}
	if string(want) != got {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		for i := 0; i < len(wl) && i < len(gl); i++ {
			if wl[i] != gl[i] {
				t.Fatalf("%s differs at line %d:\n- %s\n+ %s", path, i+1, wl[i], gl[i])
			}
		}
		t.Fatalf("%s differs in length", path)
	}
}

// A run that dies halfway (its context ends after two sends) and a restart
// send every digest exactly once.
func TestRestartSendsOnce(t *testing.T) {
	w := newWorld(t)
	w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(7, 2), 40)
	now := day(7, 8).Add(9 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{after: func(n int) {
		if n == 2 {
			cancel() // the process dies after the second send
		}
	}}
	week := dangke.Week(day(7, 1))
	if _, err := w.scheduler(rec, &now).RunWeek(ctx, week, false, nil); err == nil {
		t.Fatal("the interrupted run reported success")
	}
	rec.after = nil
	res, err := w.scheduler(rec, &now).RunWeek(context.Background(), week, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 4 || res.Sent != 2 || res.Skipped != 2 {
		t.Fatalf("sent %d (%+v)", len(rec.sent), res)
	}
	seen := map[string]bool{}
	for _, m := range rec.sent {
		chat := strings.SplitN(m, "\n", 2)[0]
		if seen[chat] {
			t.Fatalf("%s got two digests", chat)
		}
		seen[chat] = true
	}
}

// A failed send is retried with a growing wait; one message arrives.
func TestRetryWithBackoff(t *testing.T) {
	w := newWorld(t)
	now := day(7, 8).Add(9 * time.Hour)
	rec := &recorder{fail: 2}
	s := w.scheduler(rec, &now)
	var waits []time.Duration
	s.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	s.Notifiers = map[string]dangke.Notifier{"test": rec}
	res, err := s.RunWeek(context.Background(), dangke.Week(day(7, 1)), false, func(bc dangke.BoundChat) bool { return bc.Chat.ID == "g-branch" })
	if err != nil || res.Sent != 1 || rec.calls != 3 || len(rec.sent) != 1 {
		t.Fatalf("%+v %v calls %d", res, err, rec.calls)
	}
	if len(waits) != 2 || waits[0] != 30*time.Second || waits[1] != time.Minute {
		t.Fatalf("waits %v", waits)
	}
	// A send that keeps failing is recorded failed and claimed again next time.
	rec.fail = 5
	res, _ = s.RunWeek(context.Background(), dangke.Week(day(7, 1)), false, func(bc dangke.BoundChat) bool { return bc.Chat.ID == "g-county" })
	status, _ := w.st.DigestStatus(context.Background(), dangke.ChatRef{Platform: "test", ID: "g-county"}, "2019-W27")
	if res.Failed != 1 || status != dangke.DigestFailed {
		t.Fatalf("%+v status %q", res, status)
	}
	rec.fail = 0
	if res, _ = s.RunWeek(context.Background(), dangke.Week(day(7, 1)), false, nil); res.Sent != 3 || res.Skipped != 1 {
		t.Fatalf("after failure %+v", res)
	}
}

// Run catches up a digest missed while the bot was down, once and marked
// late; one missed for longer than MaxAge is skipped.
func TestCatchUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		now   time.Time
		sends int
	}{
		{"a day late", day(7, 9).Add(10 * time.Hour), 4},
		{"five days late", day(7, 13).Add(10 * time.Hour), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(7, 2), 40)
			rec := &recorder{}
			now := tc.now
			s := w.scheduler(rec, &now)
			ctx, cancel := context.WithCancel(context.Background())
			s.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
			if err := s.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if len(rec.sent) != tc.sends {
				t.Fatalf("sent %d, want %d", len(rec.sent), tc.sends)
			}
			for _, m := range rec.sent {
				if !strings.Contains(m, "补发") {
					t.Fatalf("a late digest is not marked: %s", m)
				}
			}
		})
	}
}

// BenchmarkBuild10k builds the digests of 10,000 branches (and their towns,
// counties and the city) from 1,000,000 lectures: one Collect, 10,000 Builds.
func BenchmarkBuild10k(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "city.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := seed.City(ctx, st); err != nil {
		b.Fatal(err)
	}
	units, _ := st.Units(ctx, 0)
	week := dangke.Week(day(9, 16))
	b.ResetTimer()
	for b.Loop() {
		snap, err := digest.Collect(ctx, st, dangke.DefaultCampaign(cst), "焦作市", dangke.DefaultRubric(), week, week.To.AddDate(0, 0, 1))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for i := range units {
			if d := snap.Build(&units[i], false); d.Text != "" {
				n++
			}
		}
		if d := snap.Build(nil, false); !strings.Contains(d.Text, "累计 673208 次") || n != len(units) {
			b.Fatalf("%d digests; city: %s", n, d.Text)
		}
	}
	b.ReportMetric(float64(len(units)+1), "digests/op")
}

// A digest due on a day off goes on the next working day at the same hour:
// Monday 7 October 2019 is in the National Day holiday, so the week of 30
// September goes on Tuesday the 8th at 09:00, not late.
func TestHolidayDigest(t *testing.T) {
	w := newWorld(t)
	w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(10, 3), 40)
	rec := &recorder{}
	now := day(10, 7).Add(10 * time.Hour)
	s := w.scheduler(rec, &now)
	s.Campaign.Calendar.Add([]string{"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"}, false)
	s.Campaign.Calendar.Add([]string{"2019-09-29", "2019-10-12"}, true)
	var slept []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	s.Sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		if len(slept) == 2 {
			cancel()
			return context.Canceled
		}
		now = now.Add(d)
		return nil
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if slept[0] != 23*time.Hour {
		t.Fatalf("on the holiday it slept %s, want 23h (to Tuesday 09:00)", slept[0])
	}
	if len(rec.sent) != 4 {
		t.Fatalf("sent %d digests on Tuesday, want 4", len(rec.sent))
	}
	for _, m := range rec.sent {
		if strings.Contains(m, "补发") {
			t.Fatalf("a postponed digest is marked late: %s", m)
		}
	}
	// Then it sleeps to the next Monday, 14 October 09:00.
	if want := 6 * 24 * time.Hour; slept[1] != want {
		t.Fatalf("then slept %s, want %s", slept[1], want)
	}
}
