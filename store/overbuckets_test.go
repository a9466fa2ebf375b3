package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// TestOverBuckets takes units with more lecturers of their own than
// members, whose lectures the subtree totals keep under their reporting
// unit's over bucket too, through every change that makes a unit so or no
// longer, or moves it: a new lecturer, a member count lowered and raised,
// a withdrawal, moves to another county and to the top, a town moved, a
// merge, a member count cleared (an unset branch then), a town with its
// own lectures, and a rebuild. After each update the queue is empty and
// the buckets hold exactly the units that belong there; the kept totals
// equal a recount (CheckTotals), every unit's figures over random periods
// equal a brute-force count (periodsAgree), and each reporting unit and
// the city count and name the units with more lecturers than members.
//
// Writes made outside the store's updates (no one empties the queue) leave
// a unit in its bucket after it was put right, or out of it while it
// belongs there: the figures are the same.
func TestOverBuckets(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		st, err := store.Open(ctx, dbPath(t, "o.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		start := time.Date(2019, 6, 10, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		ids := map[string]int64{}
		add := func(tx dangke.Tx, parent, name string, kind dangke.UnitKind, members int) error {
			u := &dangke.Unit{ParentID: ids[parent], Name: name, Kind: kind, Members: members}
			if err := tx.AddUnit(ctx, u); err != nil {
				return err
			}
			ids[name] = u.ID
			return nil
		}
		day := 0
		lecture := func(tx dangke.Tx, unit, speaker string) error {
			day += 3
			return tx.AddLecture(ctx, &dangke.Lecture{UnitID: ids[unit], Speaker: speaker, Position: "党员", Title: "课",
				Date: start.AddDate(0, 0, day%40), Attendees: 10, Form: "普通", Leader: day%5 == 4, Author: "t:a", Chat: "t:g", CreatedAt: start})
		}
		rnd := rand.New(rand.NewPCG(7, 11))
		figuresAgree := func(step string) {
			t.Helper()
			c, err := st.CheckTotals(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if !c.OK() {
				t.Fatalf("%s: kept totals differ from a recount:\n%s", step, c)
			}
			periodsAgree(t, st, rnd, start, false)
			// Units with more lecturers than members, by reporting unit.
			var over []struct {
				TopID int64  `bun:"top_id"`
				Path  string `bun:"path"`
			}
			if err := st.DB().NewRaw(`SELECT u.top_id, u.path FROM units u JOIN unit_totals t ON t.unit_id = u.id
				WHERE u.members > 0 AND t.speakers > u.members ORDER BY u.path`).Scan(ctx, &over); err != nil {
				t.Fatal(err)
			}
			byTop := map[int64][]string{}
			for _, o := range over {
				byTop[o.TopID] = append(byTop[o.TopID], o.Path)
			}
			month := dangke.Period{From: start.AddDate(0, 0, 5), To: start.AddDate(0, 0, 33)}
			for _, p := range []dangke.Period{{}, month} {
				city, tops, err := st.CityFigures(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range tops {
					var named []string
					for _, d := range u.Figures.Over.Units {
						named = append(named, d.Path)
					}
					if u.Figures.Over.N != len(byTop[u.Unit.ID]) || fmt.Sprint(named) != fmt.Sprint(byTop[u.Unit.ID]) {
						t.Errorf("%s: %s names %v of %d units over, want %v", step, u.Unit.Path, named, u.Figures.Over.N, byTop[u.Unit.ID])
					}
					f, err := st.Figures(ctx, u.Unit.ID, p)
					if err != nil {
						t.Fatal(err)
					}
					if f.Over.N != len(byTop[u.Unit.ID]) || len(f.Over.Units) != len(byTop[u.Unit.ID]) {
						t.Errorf("%s: %s alone names %d of %d units over, want %d", step, u.Unit.Path, len(f.Over.Units), f.Over.N, len(byTop[u.Unit.ID]))
					}
				}
				if city.Over.N != len(over) {
					t.Errorf("%s: the city has %d units over, want %d", step, city.Over.N, len(over))
				}
			}
		}
		// settled checks what an update leaves: an empty queue, and a
		// bucket row for each unit over (placed below a reporting unit) and
		// for no other.
		settled := func(step string) {
			t.Helper()
			var queued int
			if err := st.DB().NewRaw("SELECT count(*) FROM bucket_queue").Scan(ctx, &queued); err != nil || queued != 0 {
				t.Errorf("%s: %d units queued (%v)", step, queued, err)
			}
			var got, want []string
			if err := st.DB().NewRaw("SELECT unit_id || ':' || ancestor_id FROM unit_ancestors WHERE ancestor_id <= -4294967296 ORDER BY 1").
				Scan(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if err := st.DB().NewRaw(`SELECT u.id || ':' || (-4294967296 - u.top_id) FROM units u JOIN unit_totals t ON t.unit_id = u.id
				WHERE u.ipath <> '' AND u.top_id > 0 AND u.members > 0 AND t.speakers > u.members ORDER BY 1`).Scan(ctx, &want); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: over buckets hold %v, want %v", step, got, want)
			}
		}
		withdraw := func(tx dangke.Tx, unit, speaker string) error {
			var id int64
			if err := st.DB().NewRaw("SELECT id FROM lectures WHERE withdrawn_at IS NULL AND unit_id = ? AND speaker = ? ORDER BY id LIMIT 1",
				ids[unit], speaker).Scan(ctx, &id); err != nil {
				return err
			}
			return tx.WithdrawLecture(ctx, id, "t:a", start)
		}
		steps := []struct {
			name string
			fn   func(tx dangke.Tx) error
		}{
			{"tree", func(tx dangke.Tx) error {
				for _, u := range []struct {
					parent, name string
					kind         dangke.UnitKind
					members      int
				}{
					{"", "甲县", dangke.KindCounty, 0}, {"甲县", "甲镇", dangke.KindOrg, 1},
					{"甲镇", "一支部", dangke.KindBranch, 2}, {"甲镇", "二支部", dangke.KindBranch, 3},
					{"", "乙县", dangke.KindCounty, 0}, {"乙县", "四支部", dangke.KindBranch, 1},
				} {
					if err := add(tx, u.parent, u.name, u.kind, u.members); err != nil {
						return err
					}
				}
				for _, l := range [][2]string{{"一支部", "张三"}, {"一支部", "李四"}, {"一支部", "张三"}, {"二支部", "王五"}, {"四支部", "赵六"}} {
					if err := lecture(tx, l[0], l[1]); err != nil {
						return err
					}
				}
				return nil
			}},
			{"a new lecturer", func(tx dangke.Tx) error { return lecture(tx, "一支部", "孙七") }},
			{"lectures while over", func(tx dangke.Tx) error {
				for _, s := range []string{"孙七", "张三", "周八", "李四", "周八"} {
					if err := lecture(tx, "一支部", s); err != nil {
						return err
					}
				}
				return nil
			}},
			{"member count raised", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["一支部"], 6) }},
			{"member count lowered", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["一支部"], 3) }},
			{"a lecturer's lectures withdrawn", func(tx dangke.Tx) error { return withdraw(tx, "一支部", "孙七") }},
			{"and again", func(tx dangke.Tx) error {
				if err := withdraw(tx, "一支部", "孙七"); err != nil {
					return err
				}
				return lecture(tx, "一支部", "吴九")
			}},
			{"moved to another county", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["一支部"], ids["乙县"]) }},
			{"moved back", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["一支部"], ids["甲镇"]) }},
			{"a town moved with its branches", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["甲镇"], ids["乙县"]) }},
			{"a town over with its own lectures", func(tx dangke.Tx) error {
				if err := lecture(tx, "甲镇", "镇长"); err != nil {
					return err
				}
				return lecture(tx, "甲镇", "副镇长")
			}},
			{"moved to the top", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["一支部"], 0) }},
			{"moved below again", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["一支部"], ids["甲县"]) }},
			{"merged", func(tx dangke.Tx) error { return tx.MergeUnits(ctx, ids["一支部"], ids["四支部"]) }},
			{"member count cleared", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["四支部"], 0) }},
			{"member count set", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["四支部"], 2) }},
		}
		for _, s := range steps {
			if err := st.Update(ctx, s.fn); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			settled(s.name)
			if !raceBuild || s.name == "merged" {
				figuresAgree(s.name)
			}
		}
		var n int
		if err := st.DB().NewRaw("SELECT count(*) FROM unit_ancestors WHERE ancestor_id <= -4294967296").Scan(ctx, &n); err != nil || n != 2 {
			t.Fatalf("%d units in over buckets (%v), want 2: the test no longer puts units there", n, err)
		}
		// Outside the store's updates, with no one to empty the queue:
		// 甲镇 put right and 四支部's count cleared (an unset branch, which
		// its unset bucket counts), both still in their over bucket; 二支部
		// given one member.
		for _, q := range []string{
			fmt.Sprintf("UPDATE units SET members = 50 WHERE id = %d", ids["甲镇"]),
			fmt.Sprintf("UPDATE units SET members = 0 WHERE id = %d", ids["四支部"]),
			fmt.Sprintf("UPDATE units SET members = 1 WHERE id = %d", ids["二支部"]),
		} {
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		figuresAgree("unsettled")
		// A lecture written straight into the table: 二支部 has two
		// lecturers now, and is not in its bucket.
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, venue, form, minutes,
			satisfied, surveyed, link, leader, author, chat, created_at) VALUES (?, '郑十', '党员', '课', '2019-07-01', 5, '', '普通', 0, 0, 0, '', 0, 't:a', 't:g', ?)`,
			ids["二支部"], start.Unix()); err != nil {
			t.Fatal(err)
		}
		figuresAgree("a lecture outside the store")
		if err := st.Update(ctx, func(tx dangke.Tx) error { return lecture(tx, "二支部", "王五") }); err != nil {
			t.Fatal(err)
		}
		settled("the next update")
		figuresAgree("the next update")
		if err := st.RebuildTotals(ctx); err != nil {
			t.Fatal(err)
		}
		settled("rebuilt")
		figuresAgree("rebuilt")
	})
}

// TestOverBucketsBackfill runs the migration's backfill (its INSERT
// statements, from the file of the engine under test) on a store whose
// over buckets were taken away: it gives back what the updates kept.
func TestOverBucketsBackfill(t *testing.T) {
	if raceBuild {
		// SQL alone, which the plain run covers; under -race a store's
		// migrations alone take seconds, and the store's tests are near
		// go test's ten minutes.
		t.Skip("SQL alone: the run without -race covers it")
	}
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		st, err := store.Open(ctx, dbPath(t, "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		start := time.Date(2019, 6, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		err = st.Update(ctx, func(tx dangke.Tx) error {
			c := &dangke.Unit{Name: "县", Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, c); err != nil {
				return err
			}
			for i, members := range []int{1, 2, 5} {
				b := &dangke.Unit{ParentID: c.ID, Name: fmt.Sprint("支部", i), Kind: dangke.KindBranch, Members: members}
				if err := tx.AddUnit(ctx, b); err != nil {
					return err
				}
				for d := range 12 {
					l := &dangke.Lecture{UnitID: b.ID, Speaker: fmt.Sprint("讲", d%3), Position: "党员", Title: "课",
						Date: start.AddDate(0, 0, d*3+i), Attendees: 5, Form: "普通", Leader: d%2 == 0, Author: "t:a", Chat: "t:g", CreatedAt: start}
					if err := tx.AddLecture(ctx, l); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		fill := backfill(t, "20261204001000_over_buckets")
		if len(fill) != 5 {
			t.Fatalf("%d backfill statements, want 5 (closure, listed, units, days, pairs)", len(fill))
		}
		var n int
		if err := st.DB().NewRaw("SELECT count(*) FROM unit_ancestors WHERE ancestor_id <= -4294967296").Scan(ctx, &n); err != nil || n != 2 {
			t.Fatalf("%d units in over buckets (%v), want 2", n, err)
		}
		// The buckets' rows as the updates kept them (the recount cannot
		// tell a bucket's absence: its rows say where lectures are kept).
		kept := func() string {
			var out []string
			for _, q := range []string{
				"SELECT unit_id || ':' || ancestor_id FROM unit_ancestors WHERE ancestor_id <= -4294967296 ORDER BY 1",
				"SELECT unit_id || ':' || units || ':' || members FROM tree_units WHERE unit_id <= -4294967296 ORDER BY 1",
				`SELECT unit_id || ':' || day || ':' || lectures || ':' || attendees || ':' || events || ':' || firsts || ':' || leader_events
					|| ':' || leader_firsts FROM tree_days WHERE unit_id <= -4294967296 ORDER BY 1`,
				"SELECT unit_id || ':' || leader || ':' || day || ':' || prev || ':' || n FROM tree_firsts WHERE unit_id <= -4294967296 ORDER BY 1",
				"SELECT unit_id || ':' || week || ':' || lectures || ':' || events || ':' || firsts FROM tree_weeks WHERE unit_id <= -4294967296 ORDER BY 1",
				"SELECT unit_id || ':' || week || ':' || prev_week || ':' || n || ':' || b3 FROM tree_firsts_weeks WHERE unit_id <= -4294967296 ORDER BY 1",
			} {
				var rows []string
				if err := st.DB().NewRaw(q).Scan(ctx, &rows); err != nil {
					t.Fatal(err)
				}
				out = append(out, strings.Join(rows, " "))
			}
			return strings.Join(out, "\n")
		}
		before := kept()
		for _, q := range []string{"DELETE FROM tree_days WHERE unit_id <= -4294967296", "DELETE FROM tree_firsts WHERE unit_id <= -4294967296",
			"DELETE FROM tree_units WHERE unit_id <= -4294967296", "DELETE FROM unit_ancestors WHERE ancestor_id <= -4294967296"} {
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if kept() == before {
			t.Fatal("the over buckets were not taken away")
		}
		for _, q := range fill {
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
		if c, err := st.CheckTotals(ctx, false); err != nil || !c.OK() {
			t.Fatalf("after the backfill: %v\n%s", err, c)
		}
		if after := kept(); after != before {
			t.Fatalf("after the backfill the over buckets hold\n%s\nwant\n%s", after, before)
		}
	})
}
