package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// TestUnsetBuckets takes unset branches (member count 0), which the
// subtree totals keep under their reporting unit's bucket, through every
// change that puts a unit in a bucket, takes it out or moves it to another:
// a member count set and cleared, a kind changed and changed back, a move
// to another county and to the top of the tree, a merge and a deletion.
// After each step the kept totals equal a recount (CheckTotals: the
// buckets' closure rows and subtree rows too), every unit's figures over
// random periods equal a brute-force count (periodsAgree), and each
// reporting unit's and the city's count of unset units is the units'.
func TestUnsetBuckets(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		modes := []bool{true, false}
		if raceBuild {
			// The race detector looks for races, which one way of reading
			// shows as well as two; the figures' coverage is the plain run's.
			modes = modes[:1]
		}
		for _, every := range modes {
			t.Run(fmt.Sprint("buckets=", every), func(t *testing.T) { unsetBuckets(t, every) })
		}
	})
}

// unsetBuckets is TestUnsetBuckets with every bucket read (every) or the
// few unset branches of this tree counted one by one.
func unsetBuckets(t *testing.T, every bool) {
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath(t, "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if every {
		store.ReadEveryBucket(st)
	}
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
	lectureAs := func(tx dangke.Tx, unit, speaker string, leader bool) error {
		day++
		return tx.AddLecture(ctx, &dangke.Lecture{UnitID: ids[unit], Speaker: speaker, Position: "党员", Title: "课",
			Date: start.AddDate(0, 0, day%40), Attendees: 10, Form: "普通", Leader: leader, Author: "t:a", Chat: "t:g", CreatedAt: start})
	}
	lecture := func(tx dangke.Tx, unit, speaker string) error { return lectureAs(tx, unit, speaker, day%5 == 4) }
	rnd := rand.New(rand.NewPCG(3, 5))
	check := func(step string) {
		t.Helper()
		c, err := st.CheckTotals(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if !c.OK() {
			t.Fatalf("%s: kept totals differ from a recount:\n%s", step, c)
		}
		if !raceBuild || step == "rebuilt" {
			periodsAgree(t, st, rnd, start, false)
		}
		// Unset units: a branch with no member count, or another unit
		// with none and lectures of its own.
		var want []struct {
			TopID int64 `bun:"top_id"`
			N     int   `bun:"n"`
		}
		if err := st.DB().NewRaw(`SELECT u.top_id, count(*) AS n FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id
			WHERE u.members = 0 AND (u.kind = 'branch' OR coalesce(t.lectures, 0) > 0) GROUP BY u.top_id`).Scan(ctx, &want); err != nil {
			t.Fatal(err)
		}
		byTop := map[int64]int{}
		all := 0
		for _, w := range want {
			byTop[w.TopID], all = w.N, all+w.N
		}
		city, tops, err := st.CityFigures(ctx, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range tops {
			if u.Figures.Unset.N != byTop[u.Unit.ID] {
				t.Errorf("%s: %s has %d unset units, want %d", step, u.Unit.Path, u.Figures.Unset.N, byTop[u.Unit.ID])
			}
		}
		if city.Unset.N != all {
			t.Errorf("%s: the city has %d unset units, want %d", step, city.Unset.N, all)
		}
		f, err := st.Figures(ctx, 0, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Unset.N != all || len(f.Unset.Units) != min(all, dangke.MaxNamed) {
			t.Errorf("%s: the province names %d of %d unset units, want %d", step, len(f.Unset.Units), f.Unset.N, all)
		}
		var listed int
		if err := st.DB().NewRaw(`SELECT count(*) FROM unit_doubts d JOIN units u ON u.id = d.unit_id
			WHERE u.members = 0 AND u.kind = 'branch'`).Scan(ctx, &listed); err != nil || listed != 0 {
			t.Errorf("%s: unit_doubts lists %d unset branches (%v): their buckets count them", step, listed, err)
		}
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
				{"", "甲县", dangke.KindCounty, 0}, {"甲县", "甲镇", dangke.KindOrg, 0},
				{"甲镇", "一支部", dangke.KindBranch, 0}, {"甲镇", "二支部", dangke.KindBranch, 2}, {"甲镇", "三支部", dangke.KindBranch, 0},
				{"", "乙县", dangke.KindCounty, 0}, {"乙县", "四支部", dangke.KindBranch, 0},
			} {
				if err := add(tx, u.parent, u.name, u.kind, u.members); err != nil {
					return err
				}
			}
			for _, l := range [][2]string{{"一支部", "张三"}, {"一支部", "张三"}, {"一支部", "李四"}, {"二支部", "王五"},
				{"四支部", "赵六"}, {"甲县", "县长"}, {"甲镇", "镇长"}, {"三支部", "钱七"}} {
				if err := lecture(tx, l[0], l[1]); err != nil {
					return err
				}
			}
			// A leading cadre on two days: the bucket keeps the pair of
			// their leader days too, which leaving it must take away.
			for range 2 {
				if err := lectureAs(tx, "一支部", "书记", true); err != nil {
					return err
				}
			}
			return nil
		}},
		{"member count set", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["一支部"], 3) }},
		{"member count cleared", func(tx dangke.Tx) error { return tx.SetMembers(ctx, ids["一支部"], 0) }},
		{"lectures in a bucket", func(tx dangke.Tx) error {
			if err := lecture(tx, "一支部", "孙八"); err != nil {
				return err
			}
			return lecture(tx, "一支部", "张三")
		}},
		{"kind changed", func(tx dangke.Tx) error { return tx.SetUnitKind(ctx, ids["一支部"], dangke.KindOrg) }},
		{"kind changed back", func(tx dangke.Tx) error { return tx.SetUnitKind(ctx, ids["一支部"], dangke.KindBranch) }},
		{"moved to another county", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["一支部"], ids["乙县"]) }},
		{"a town moved with its branches", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["甲镇"], ids["乙县"]) }},
		{"moved to the top", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["三支部"], 0) }},
		{"moved back below", func(tx dangke.Tx) error { return tx.MoveUnit(ctx, ids["三支部"], ids["甲县"]) }},
		{"kind set to branch below", func(tx dangke.Tx) error { return tx.SetUnitKind(ctx, ids["三支部"], dangke.KindBranch) }},
		{"merged", func(tx dangke.Tx) error { return tx.MergeUnits(ctx, ids["一支部"], ids["四支部"]) }},
		{"a lecture withdrawn", func(tx dangke.Tx) error {
			var id int64
			if err := st.DB().NewRaw("SELECT max(id) FROM lectures WHERE withdrawn_at IS NULL AND unit_id = ?", ids["四支部"]).Scan(ctx, &id); err != nil {
				return err
			}
			return tx.WithdrawLecture(ctx, id, "t:a", start)
		}},
		{"an empty branch added and deleted", func(tx dangke.Tx) error {
			if err := add(tx, "甲县", "五支部", dangke.KindBranch, 0); err != nil {
				return err
			}
			return tx.DeleteUnit(ctx, ids["五支部"])
		}},
	}
	for _, s := range steps {
		if err := st.Update(ctx, s.fn); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
	// Rebuilt from scratch, the buckets are the same.
	if err := st.RebuildTotals(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")
}

// TestUnsetBucketsBackfill runs the migration's backfill (its INSERT
// statements, from the file of the engine under test) on a store whose
// buckets were taken away: it gives back what the triggers kept, leading
// cadres' pairs of days among it.
func TestUnsetBucketsBackfill(t *testing.T) {
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
			for i, members := range []int{0, 0, 4} {
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
		fill := backfill(t, "20261203001000_unset_buckets")
		if len(fill) != 4 {
			t.Fatalf("%d backfill statements, want 4 (closure, units, days, pairs)", len(fill))
		}
		for _, q := range []string{"DELETE FROM tree_days WHERE unit_id < 0", "DELETE FROM tree_firsts WHERE unit_id < 0",
			"DELETE FROM tree_units WHERE unit_id < 0", "DELETE FROM unit_ancestors WHERE ancestor_id < 0"} {
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if c, _ := st.CheckTotals(ctx, false); c.OK() {
			t.Fatal("no difference found after the buckets were taken away")
		}
		for _, q := range fill {
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
		if c, err := st.CheckTotals(ctx, false); err != nil || !c.OK() {
			t.Fatalf("after the backfill: %v\n%s", err, c)
		}
	})
}

// backfill reads the INSERT statements of a migration (name, without its
// suffix) from the file of the engine under test.
func backfill(t *testing.T, name string) []string {
	t.Helper()
	engine := "sqlite"
	if isPostgres(t) {
		engine = "postgres"
	}
	raw, err := os.ReadFile("migrations/" + engine + "/" + name + ".tx.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	var fill []string
	for _, s := range strings.Split(string(raw), "--bun:split") {
		if s = strings.TrimSpace(s); strings.HasPrefix(s, "INSERT INTO") {
			fill = append(fill, strings.TrimSuffix(s, ";"))
		}
	}
	return fill
}
