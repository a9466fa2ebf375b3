package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// BenchmarkTreeWeeksWriteCost logs lectures into a branch three levels
// down (its ancestors: a town, a county, the province), without fsync (the
// CPU cost of the write), with the week tables' triggers (migration
// 20261201001000_tree_weeks) and with them dropped, in one run: what
// keeping tree_weeks and tree_firsts_weeks adds to a write.
func BenchmarkTreeWeeksWriteCost(b *testing.B) {
	for _, keep := range []bool{true, false} {
		b.Run(fmt.Sprintf("weeks=%v", keep), func(b *testing.B) { lectureWriteCost(b, 30, keep) })
	}
}

// BenchmarkUnsetBranchWriteCost logs lectures as BenchmarkTreeWeeksWriteCost
// does into a branch with a member count and into one without, whose
// lectures its reporting unit's bucket keeps too (one more ancestor).
func BenchmarkUnsetBranchWriteCost(b *testing.B) {
	for _, members := range []int{30, 0} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) { lectureWriteCost(b, members, true) })
	}
}

// lectureWriteCost logs b.N lectures into a branch of members three levels
// down, without fsync, the week tables' triggers kept or dropped, and
// reports the CPU a lecture.
func lectureWriteCost(b *testing.B, members int, keep bool) {
	ctx := context.Background()
	st, err := store.OpenWith(ctx, filepath.Join(b.TempDir(), "b.db"), store.Options{NoFsync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if !keep {
		for _, tr := range []string{"tree_days_weeks_added", "tree_days_weeks_changed", "tree_days_weeks_removed",
			"tree_firsts_weeks_added", "tree_firsts_weeks_changed", "tree_firsts_weeks_removed"} {
			if _, err := st.DB().ExecContext(ctx, "DROP TRIGGER "+tr); err != nil {
				b.Fatal(err)
			}
		}
	}
	var branch int64
	err = st.Update(ctx, func(tx dangke.Tx) error {
		county := &dangke.Unit{Name: "县", Kind: dangke.KindCounty}
		if err := tx.AddUnit(ctx, county); err != nil {
			return err
		}
		town := &dangke.Unit{ParentID: county.ID, Name: "镇", Kind: dangke.KindOrg}
		if err := tx.AddUnit(ctx, town); err != nil {
			return err
		}
		u := &dangke.Unit{ParentID: town.ID, Name: "支部", Kind: dangke.KindBranch, Members: members}
		err := tx.AddUnit(ctx, u)
		branch = u.ID
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	day := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	cpu0 := procCPU()
	defer func() { b.ReportMetric(float64(procCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op") }()
	for b.Loop() {
		i++
		l := &dangke.Lecture{UnitID: branch, Speaker: fmt.Sprint("讲课人", i%40), Position: "党员", Title: "课", Date: day.AddDate(0, 0, i%200),
			Attendees: 10, Author: "t:a", Chat: "t:g", CreatedAt: day}
		if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, l) }); err != nil {
			b.Fatal(err)
		}
	}
}
