package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dangke"
)

// TestMergeKeepsDistinct merges a unit into another where names of both
// were answered: 是 (one person: stays one), 否 (two people: the merged
// unit's lectures take the first free 张三（k）, so they stay two), and no
// answer (one lecturer from now on, as the preview says).
func TestMergeKeepsDistinct(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		a := addPath(t, s, "温县/城关镇/第一支部", 3)
		b := addPath(t, s, "温县/城关镇/第一党支部", 10)
		d := func(s string) time.Time { t, _ := time.Parse(dangke.DateLayout, s); return t }
		for _, l := range []dangke.Lecture{
			{UnitID: b.ID, Speaker: "张三", Title: "甲", Date: d("2019-07-01"), Leader: true},
			{UnitID: b.ID, Speaker: "张三（2）", Title: "乙", Date: d("2019-07-02")}, // the first free name is （3）
			{UnitID: b.ID, Speaker: "李四", Title: "丙", Date: d("2019-07-03")},
			{UnitID: b.ID, Speaker: "王五", Title: "丁", Date: d("2019-07-04")},
			{UnitID: a.ID, Speaker: "张三", Title: "甲", Date: d("2019-07-01"), Leader: true},
			{UnitID: a.ID, Speaker: "李四", Title: "戊", Date: d("2019-07-05")},
			{UnitID: a.ID, Speaker: "王五", Title: "己", Date: d("2019-07-06")},
		} {
			l.Position, l.Attendees = "党员", 10
			addLecture(t, s, l)
		}
		now := time.Now()
		if err := update(t, s, func(tx dangke.Tx) error {
			if err := tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: a.ID, Name: "张三"}, dangke.SpeakerRef{UnitID: b.ID, Name: "张三"}, false, now); err != nil {
				return err
			}
			return tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: a.ID, Name: "李四"}, dangke.SpeakerRef{UnitID: b.ID, Name: "李四"}, true, now)
		}); err != nil {
			t.Fatal(err)
		}
		shared, err := s.SharedNames(ctx, a.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(shared), "[{张三 false true 张三（3）} {李四 true false } {王五 false false }]"; got != want {
			t.Fatalf("shared names %s, want %s", got, want)
		}
		town := unit(t, s, "温县/城关镇")
		if f := agree(t, s)[town.ID]; f.Speakers != 6 || f.Leaders != 2 {
			t.Fatalf("城关镇 before %+v", f)
		}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MergeUnits(ctx, a.ID, b.ID) }); err != nil {
			t.Fatal(err)
		}
		// 张三 and 张三（3） are two, 李四 one, 王五 one: 5 of 6.
		after := agree(t, s)
		if f := after[b.ID]; f.Speakers != 5 || f.Leaders != 2 || f.Lectures != 7 {
			t.Fatalf("第一党支部 after the merge %+v", f)
		}
		if f := after[town.ID]; f.Speakers != 5 {
			t.Fatalf("城关镇 after the merge %+v", f)
		}
		var renamed int
		if err := s.DB().NewRaw("SELECT count(*) FROM lectures WHERE unit_id = ? AND speaker = '张三（3）'", b.ID).Scan(ctx, &renamed); err != nil || renamed != 1 {
			t.Fatalf("lectures of the merged 张三: %d %v", renamed, err)
		}
		c, err := s.CheckTotals(ctx, false)
		if err != nil || !c.OK() {
			t.Fatalf("totals after the merge: %v\n%s", err, c)
		}
	})
}

// TestUnitKind changes kinds within their level, refuses the others, and
// moves a reporting unit below another as an ordinary unit; a branch's kind
// decides whether it is named as one without a member count.
func TestUnitKind(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		office := addPath(t, s, "温县/县委办公室", 0)
		addPath(t, s, "温县/城关镇/第一党支部", 5)
		town := unit(t, s, "温县/城关镇")
		county := unit(t, s, "温县")
		for _, c := range []struct {
			unit int64
			kind dangke.UnitKind
			code string
		}{
			{office.ID, dangke.KindBranch, ""},
			{office.ID, dangke.KindCounty, dangke.EINVALID},
			{county.ID, dangke.KindBranch, dangke.EINVALID},
			{town.ID, dangke.KindBranch, dangke.ECONFLICT}, // it holds a branch
			{county.ID, dangke.KindSystem, ""},
		} {
			err := update(t, s, func(tx dangke.Tx) error { return tx.SetUnitKind(ctx, c.unit, c.kind) })
			if dangke.ErrorCode(err) != c.code && (c.code != "" || err != nil) {
				t.Fatalf("unit %d → %s: %v, want %q", c.unit, c.kind, err, c.code)
			}
		}
		f, err := s.Figures(ctx, county.ID, dangke.Period{})
		if err != nil || f.Unset.N != 1 || f.Unset.Units[0].Path != "温县/县委办公室" {
			t.Fatalf("a branch without members is named: %+v %v", f.Unset, err)
		}
		addPath(t, s, "孟州市/西虢镇", 0)
		mz := unit(t, s, "孟州市")
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MoveUnit(ctx, mz.ID, county.ID) }); err != nil {
			t.Fatal(err)
		}
		if u := unit(t, s, "温县/孟州市"); u.Kind != dangke.KindOrg {
			t.Fatalf("a county moved below another is %s", u.Kind)
		}
		if c, err := s.CheckTotals(ctx, false); err != nil || !c.OK() {
			t.Fatalf("totals: %v\n%s", err, c)
		}
	})
}
