package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// TestFiguresOneMoment reads a reporting unit's figures over a month while
// another goroutine keeps logging and withdrawing a lecture, dated outside
// the month, that moves a unit across its member count (into its over
// bucket and out). Every answer must be one of the two true ones: read
// outside one snapshot, the list of units left out of coverage and their
// bucket's lecturers came from two moments and gave 0 of 2 covered, or 2
// of 0 (a review's finding).
func TestFiguresOneMoment(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		st, err := store.Open(ctx, dbPath(t, "r.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		start := time.Date(2019, 6, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		var county, v int64
		err = st.Update(ctx, func(tx dangke.Tx) error {
			c := &dangke.Unit{Name: "县", Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, c); err != nil {
				return err
			}
			county = c.ID
			w := &dangke.Unit{ParentID: c.ID, Name: "W", Kind: dangke.KindBranch, Members: 1} // always over: its bucket is read
			if err := tx.AddUnit(ctx, w); err != nil {
				return err
			}
			vu := &dangke.Unit{ParentID: c.ID, Name: "V", Kind: dangke.KindBranch, Members: 2} // 2 lecturers: covered
			if err := tx.AddUnit(ctx, vu); err != nil {
				return err
			}
			v = vu.ID
			for i, l := range []struct {
				unit int64
				name string
			}{{w.ID, "w1"}, {w.ID, "w2"}, {vu.ID, "v1"}, {vu.ID, "v2"}} {
				if err := tx.AddLecture(ctx, &dangke.Lecture{UnitID: l.unit, Speaker: l.name, Position: "党员", Title: "课",
					Date: start.AddDate(0, 0, 3+i), Attendees: 5, Form: "普通", Author: "t:a", Chat: "t:g", CreatedAt: start}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		month := dangke.Period{From: start, To: start.AddDate(0, 0, 27)}
		key := func(f dangke.Figures) string {
			return fmt.Sprintf("讲课人 %d，上台 %d/%d，超过党员数 %d", f.Speakers, f.CoveredSpeakers, f.CoveredMembers, f.Over.N)
		}
		read := func() (string, string, string) {
			tops, err := st.TopFigures(ctx, month)
			if err != nil {
				t.Error(err)
				return "", "", ""
			}
			f, err := st.Figures(ctx, county, month)
			if err != nil {
				t.Error(err)
				return "", "", ""
			}
			city, _, err := st.CityFigures(ctx, month)
			if err != nil {
				t.Error(err)
				return "", "", ""
			}
			return key(tops[0].Figures), key(f), key(city)
		}
		flip := func(on bool) error {
			return st.Update(ctx, func(tx dangke.Tx) error {
				if on {
					return tx.AddLecture(ctx, &dangke.Lecture{UnitID: v, Speaker: "v3", Position: "党员", Title: "课",
						Date: start.AddDate(0, 0, 40), Attendees: 5, Form: "普通", Author: "t:a", Chat: "t:g", CreatedAt: start})
				}
				var id int64
				if err := st.DB().NewRaw("SELECT id FROM lectures WHERE speaker = 'v3' AND withdrawn_at IS NULL").Scan(ctx, &id); err != nil {
					return err
				}
				return tx.WithdrawLecture(ctx, id, "t:a", start)
			})
		}
		covered := [3]string{}
		covered[0], covered[1], covered[2] = read()
		if err := flip(true); err != nil {
			t.Fatal(err)
		}
		over := [3]string{}
		over[0], over[1], over[2] = read()
		if covered[0] != "讲课人 4，上台 2/2，超过党员数 1" || over[0] != "讲课人 4，上台 0/0，超过党员数 2" {
			t.Fatalf("the two states read %q and %q", covered[0], over[0])
		}
		if err := flip(false); err != nil {
			t.Fatal(err)
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		flips := 0
		go func() {
			defer wg.Done()
			for on := true; !stop.Load(); on = !on {
				if err := flip(on); err != nil {
					t.Error(err)
					return
				}
				flips++
			}
		}()
		reads, wrong := 0, map[string]int{}
		d := 3 * time.Second
		if raceBuild {
			d = time.Second
		}
		for deadline := time.Now().Add(d); time.Now().Before(deadline); reads++ {
			got := [3]string{}
			got[0], got[1], got[2] = read()
			for i, what := range []string{"reporting unit", "its Figures", "city"} {
				if got[i] != covered[i] && got[i] != over[i] {
					wrong[what+": "+got[i]]++
				}
			}
		}
		stop.Store(true)
		wg.Wait()
		for k, n := range wrong {
			t.Errorf("%d of %d reads (%d flips) true of no moment: %s", n, reads, flips, k)
		}
	})
}
