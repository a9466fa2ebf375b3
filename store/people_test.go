package store_test

import (
	"context"
	"testing"
	"time"

	"dangke"
)

// A same-person link is read back for the duplicate check, and undone:
// without distinct the name is asked about again, with it the pair is
// remembered as two people; the figures follow either way and the kept
// totals still agree with a recount.
func TestLinkedAndUnlinkedSpeakers(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b1 := addPath(t, s, "温县/城关镇/一支部", 10)
		b2 := addPath(t, s, "温县/城关镇/二支部", 10)
		county, _ := s.UnitByPath(ctx, "温县")
		for _, u := range []*dangke.Unit{b1, b2, county} {
			addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: "张三", Position: "党员", Title: "课", Date: day("2019-07-01"), Attendees: 10})
		}
		ref := func(u *dangke.Unit) dangke.SpeakerRef { return dangke.SpeakerRef{UnitID: u.ID, Name: "张三"} }
		if err := s.Update(ctx, func(tx dangke.Tx) error {
			if err := tx.LinkSpeakers(ctx, ref(b1), ref(b2), true, time.Now()); err != nil {
				return err
			}
			return tx.LinkSpeakers(ctx, ref(county), ref(b1), true, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		speakers := func(want int) {
			t.Helper()
			f, err := s.Figures(ctx, county.ID, dangke.Period{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Speakers != want {
				t.Errorf("温县 讲课人 %d, want %d", f.Speakers, want)
			}
			c, err := s.CheckTotals(ctx, false)
			if err != nil || !c.OK() {
				t.Fatalf("check totals: %v %v", c, err)
			}
		}
		speakers(1)
		linked, err := s.LinkedSpeakers(ctx, b2.ID, "张三")
		if err != nil || len(linked) != 2 || linked[0].UnitPath != "温县" || linked[1].UnitPath != "温县/城关镇/一支部" {
			t.Fatalf("linked: %+v %v", linked, err)
		}
		// The county's name forgotten (its lecture withdrawn): asked again.
		var others []dangke.SpeakerRef
		if err := s.Update(ctx, func(tx dangke.Tx) (err error) {
			others, err = tx.UnlinkSpeaker(ctx, ref(county), false)
			return err
		}); err != nil || len(others) != 2 {
			t.Fatalf("unlink: %+v %v", others, err)
		}
		speakers(2)
		if n, err := s.Namesakes(ctx, county.ID, "张三"); err != nil || len(n) != 2 || n[0].Person == 0 || n[1].Person != n[0].Person {
			t.Errorf("namesakes of the county's 张三 after unlinking (the branches' one person): %+v %v", n, err)
		}
		// 二支部's separated for good: the last pair's link goes, and the
		// pair is not asked about again.
		if err := s.Update(ctx, func(tx dangke.Tx) (err error) {
			others, err = tx.UnlinkSpeaker(ctx, ref(b2), true)
			return err
		}); err != nil || len(others) != 1 || others[0].UnitID != b1.ID {
			t.Fatalf("unlink: %+v %v", others, err)
		}
		speakers(3)
		if l, err := s.LinkedSpeakers(ctx, b1.ID, "张三"); err != nil || len(l) != 0 {
			t.Errorf("一支部's 张三 still linked: %+v %v", l, err)
		}
		if n, err := s.Namesakes(ctx, b2.ID, "张三"); err != nil || len(n) != 1 || n[0].UnitID != county.ID {
			t.Errorf("namesakes of 二支部's 张三: %+v %v (一支部's is answered)", n, err)
		}
		if names, err := s.SpeakerNames(ctx, b1.ID); err != nil || len(names) != 1 || names[0] != "张三" {
			t.Errorf("speaker names: %v %v", names, err)
		}
	})
}
