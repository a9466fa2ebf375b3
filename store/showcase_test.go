package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// TestShowsAgree logs, withdraws, marks 示范, fills venues and forms and
// merges units at random, and checks that show_totals and show_weeks agrees with a recount
// (CheckTotals) and that Shows of every unit and the city over random
// periods equals a count over the raw lectures; then that a damaged
// show_totals and show_weeks is found and rebuilt.
func TestShowsAgree(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(14, 4))
		st, err := store.Open(ctx, dbPath(t, "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		loc := time.FixedZone("CST", 8*3600)
		start := time.Date(2019, 6, 1, 0, 0, 0, 0, loc)
		var units []int64
		err = st.Update(ctx, func(tx dangke.Tx) error {
			for c := range 2 {
				county := &dangke.Unit{Name: fmt.Sprint("县", c), Kind: dangke.KindCounty}
				if err := tx.AddUnit(ctx, county); err != nil {
					return err
				}
				units = append(units, county.ID)
				for b := range 3 {
					u := &dangke.Unit{ParentID: county.ID, Name: fmt.Sprint("支部", b), Kind: dangke.KindBranch, Members: 10}
					if err := tx.AddUnit(ctx, u); err != nil {
						return err
					}
					units = append(units, u.ID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		venues := append([]string{""}, dangke.Venues...)
		var live []int64
		merged := false
		for step := range 150 {
			err := st.Update(ctx, func(tx dangke.Tx) error {
				switch k := rnd.IntN(10); {
				case k < 5 || len(live) == 0:
					unit := units[1+rnd.IntN(len(units)-1)]
					if merged && unit == units[2] {
						unit = units[3]
					}
					l := &dangke.Lecture{UnitID: unit, Speaker: fmt.Sprint("讲课人", rnd.IntN(4)), Position: "党员",
						Title: "课", Date: start.AddDate(0, 0, rnd.IntN(50)), Attendees: 5, Venue: venues[rnd.IntN(len(venues))],
						Form: dangke.Forms[rnd.IntN(3)], Author: "t:a", Chat: "t:g", CreatedAt: start}
					if err := tx.AddLecture(ctx, l); err != nil {
						return err
					}
					live = append(live, l.ID)
					if rnd.IntN(2) == 0 {
						return tx.SetDemo(ctx, l.ID, true)
					}
				case k < 6:
					i := rnd.IntN(len(live))
					id := live[i]
					live = append(live[:i], live[i+1:]...)
					return tx.WithdrawLecture(ctx, id, "t:a", start)
				case k < 8:
					return tx.SetDemo(ctx, live[rnd.IntN(len(live))], rnd.IntN(2) == 0)
				case k < 9:
					return tx.FillLecture(ctx, live[rnd.IntN(len(live))], dangke.LectureFill{Venue: dangke.Venues[rnd.IntN(5)], Form: "文艺", Link: "https://x.org/1"})
				case !merged && step > 100:
					merged = true
					return tx.MergeUnits(ctx, units[2], units[3])
				}
				return nil
			})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		c, err := st.CheckTotals(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if !c.OK() {
			t.Fatalf("kept totals differ:\n%s", c)
		}
		for range 30 {
			from := start.AddDate(0, 0, rnd.IntN(50))
			p := dangke.Period{From: from, To: from.AddDate(0, 0, rnd.IntN(30))}
			if rnd.IntN(5) == 0 {
				p = dangke.Period{}
			}
			for _, unit := range append([]int64{0}, units...) {
				if merged && unit == units[2] {
					continue
				}
				got, err := st.Shows(ctx, unit, p)
				if err != nil {
					t.Fatal(err)
				}
				want := bruteShows(t, st, unit, p)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("unit %d %v: Shows %v, counted %v", unit, p, got, want)
				}
			}
		}
		// A damaged row is found, and --fix rebuilds it.
		if _, err := st.DB().ExecContext(ctx, "UPDATE show_weeks SET f2 = f2 + 1 WHERE (unit_id, week) IN (SELECT unit_id, week FROM show_weeks LIMIT 1)"); err != nil {
			t.Fatal(err)
		}
		if c, _ := st.CheckTotals(ctx, false); c.OK() {
			t.Fatal("a damaged show_totals and show_weeks was not found")
		}
		if c, err := st.CheckTotals(ctx, true); err != nil || !c.OK() {
			t.Fatalf("not rebuilt: %v\n%s", err, c)
		}
		// So is a damaged subtree row (tree_shows).
		if _, err := st.DB().ExecContext(ctx, "UPDATE tree_shows SET v1 = v1 + 1 WHERE (unit_id, day) IN (SELECT unit_id, day FROM tree_shows LIMIT 1)"); err != nil {
			t.Fatal(err)
		}
		if c, _ := st.CheckTotals(ctx, false); c.OK() || strings.Contains(c.String(), "tree_shows：一致") {
			t.Fatalf("a damaged tree_shows was not found:\n%s", c)
		}
		if c, err := st.CheckTotals(ctx, true); err != nil || !c.OK() {
			t.Fatalf("not rebuilt: %v\n%s", err, c)
		}
	})
}

// bruteShows counts Shows from the raw lectures.
func bruteShows(t *testing.T, st *store.Store, unit int64, p dangke.Period) dangke.Shows {
	var s dangke.Shows
	s.Add("", "", false, 0)
	q := `SELECT l.venue, l.form, l.demo <> 0 FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.withdrawn_at IS NULL`
	var args []any
	if unit != 0 {
		q += " AND (u.id = ? OR u.ipath LIKE (SELECT ipath FROM units WHERE id = ?) || '%')"
		args = append(args, unit, unit)
	}
	if !p.IsZero() {
		q += " AND l.day >= ? AND l.day <= ?"
		args = append(args, p.From.Format(dangke.DateLayout), p.To.Format(dangke.DateLayout))
	}
	rows, err := st.DB().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var venue, form string
		var demo bool
		if err := rows.Scan(&venue, &form, &demo); err != nil {
			t.Fatal(err)
		}
		s.Add(venue, form, demo, 1)
	}
	return s
}

// BenchmarkShowsWriteCost logs lectures (without fsync: the CPU cost of the
// write) with the 示范宣讲 triggers and with them dropped, in one run, to
// show what keeping show_totals, show_weeks and tree_shows adds to a write.
func BenchmarkShowsWriteCost(b *testing.B) {
	for _, keep := range []bool{true, false} {
		b.Run(fmt.Sprintf("shows=%v", keep), func(b *testing.B) {
			ctx := context.Background()
			st, err := store.OpenWith(ctx, filepath.Join(b.TempDir(), "b.db"), store.Options{NoFsync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if !keep {
				for _, tr := range []string{"shows_added", "shows_withdrawn", "shows_changed", "tree_shows_added", "tree_shows_withdrawn", "tree_shows_changed"} {
					if _, err := st.DB().ExecContext(ctx, "DROP TRIGGER "+tr); err != nil {
						b.Fatal(err)
					}
				}
			}
			u := &dangke.Unit{Name: "县", Kind: dangke.KindCounty}
			if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddUnit(ctx, u) }); err != nil {
				b.Fatal(err)
			}
			day := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
			i := 0
			cpu0 := procCPU()
			defer func() { b.ReportMetric(float64(procCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op") }()
			for b.Loop() {
				i++
				l := &dangke.Lecture{UnitID: u.ID, Speaker: fmt.Sprint("讲课人", i%40), Position: "党员", Title: "课", Date: day.AddDate(0, 0, i%200),
					Attendees: 10, Venue: dangke.Venues[i%5], Form: dangke.Forms[i%3], Author: "t:a", Chat: "t:g", CreatedAt: day}
				if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, l) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// procCPU is the CPU time the process has used (user and system), from
// /proc/self/stat in clock ticks of 10 ms; 0 where there is no /proc. On a
// shared machine it is steadier than the wall clock.
func procCPU() time.Duration {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var u, k int64
	_, _ = fmt.Sscan(f[11], &u)
	_, _ = fmt.Sscan(f[12], &k)
	return time.Duration(u+k) * 10 * time.Millisecond
}
