package store_test

import (
	"context"
	"testing"
	"time"

	"dangke"
)

// Coverage counts only units with a member count their own lecturers do
// not exceed, at every level; the others are named. A person linked across
// branches counts once above them.
func TestFiguresCoverageAndPeople(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b1 := addPath(t, s, "温县/城关镇/一支部", 10)
		b2 := addPath(t, s, "温县/城关镇/二支部", 0) // no member count
		b3 := addPath(t, s, "温县/城关镇/三支部", 2) // three lecturers, two members
		b4 := addPath(t, s, "温县/四支部", 5)
		addPath(t, s, "孟州市/机关党支部", 0) // no member count, no lecture
		town, _ := s.UnitByPath(ctx, "温县/城关镇")
		county, _ := s.UnitByPath(ctx, "温县")
		lec := func(u *dangke.Unit, who, date string, leader bool) {
			addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: who, Position: "党员", Title: who + date, Date: day(date), Attendees: 10, Leader: leader})
		}
		lec(b1, "张三", "2019-07-01", true)
		lec(b1, "李四", "2019-07-02", false)
		lec(b2, "王五", "2019-07-02", false)
		for _, who := range []string{"甲", "乙", "丙"} {
			lec(b3, who, "2019-07-03", false)
		}
		lec(b4, "张三", "2019-07-09", true)
		lec(b4, "赵六", "2019-07-09", false)
		// 张三 of 一支部 and 张三 of 四支部 are one person.
		err := s.Update(ctx, func(tx dangke.Tx) error {
			return tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: b1.ID, Name: "张三"}, dangke.SpeakerRef{UnitID: b4.ID, Name: "张三"}, true, time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			speakers, leaders, members, covSpeakers, covMembers, unset, over int
			coverage                                                         string
		}
		check := func(name string, unit int64, p dangke.Period, w want) {
			t.Helper()
			f, err := s.Figures(ctx, unit, p)
			if err != nil {
				t.Fatal(err)
			}
			cov, _ := f.Coverage()
			got := want{f.Speakers, f.Leaders, f.Members, f.CoveredSpeakers, f.CoveredMembers, f.Unset.N, f.Over.N, cov}
			if got != w {
				t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
			}
			if len(f.Unset.Units) != f.Unset.N || len(f.Over.Units) != f.Over.N {
				t.Errorf("%s: named %v %v", name, f.Unset.Units, f.Over.Units)
			}
		}
		all := dangke.Period{}
		check("一支部", b1.ID, all, want{2, 1, 10, 2, 10, 0, 0, "20.0"})
		check("二支部", b2.ID, all, want{1, 0, 0, 0, 0, 1, 0, ""})
		check("三支部", b3.ID, all, want{3, 0, 2, 0, 0, 0, 1, ""})
		check("城关镇", town.ID, all, want{6, 1, 12, 2, 10, 1, 1, "20.0"})
		check("温县", county.ID, all, want{7, 1, 17, 3, 15, 1, 1, "20.0"})
		check("全市", 0, all, want{7, 1, 17, 3, 15, 2, 1, "20.0"})
		week := dangke.Period{From: day("2019-07-08"), To: day("2019-07-14")}
		check("温县 week", county.ID, week, want{2, 1, 17, 2, 15, 1, 1, "13.3"})
		july := dangke.Period{From: day("2019-07-01"), To: day("2019-07-31")}
		check("温县 July", county.ID, july, want{7, 1, 17, 3, 15, 1, 1, "20.0"})
		check("全市 July", 0, july, want{7, 1, 17, 3, 15, 2, 1, "20.0"})

		f, _ := s.Figures(ctx, county.ID, all)
		if f.Unset.Units[0].Path != "温县/城关镇/二支部" || f.Over.Units[0].Path != "温县/城关镇/三支部" || f.Over.Units[0].Speakers != 3 {
			t.Errorf("named: %+v %+v", f.Unset, f.Over)
		}
		lines := f.Doubts(county.Path)
		if len(lines) != 2 || lines[0] != "另有 1 个支部未填党员数：城关镇/二支部，未计入上台率" ||
			lines[1] != "讲课人数超过党员数，请核对党员数：城关镇/三支部（讲课 3 人，党员 2 人），未计入上台率" {
			t.Errorf("doubts: %q", lines)
		}

		for _, p := range []dangke.Period{all, july} {
			tops, err := s.TopFigures(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(tops) != 2 || tops[0].Unit.Name != "孟州市" || tops[1].Unit.Name != "温县" {
				t.Fatalf("tops %+v", tops)
			}
			m, w := tops[0].Figures, tops[1].Figures
			if _, ok := m.Coverage(); ok || m.Unset.N != 1 || len(m.Unset.Units) != 1 {
				t.Errorf("孟州市 %+v", m)
			}
			if cov, _ := w.Coverage(); cov != "20.0" || w.Speakers != 7 || w.Leaders != 1 || w.Unset.N != 1 || w.Over.N != 1 {
				t.Errorf("温县 %+v", w)
			}
		}

		// Setting 二支部's member count brings it into the coverage.
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.SetMembers(ctx, b2.ID, 4) }); err != nil {
			t.Fatal(err)
		}
		check("温县 with 二支部", county.ID, all, want{7, 1, 21, 4, 19, 0, 1, "21.1"})
	})
}

// The city's figures find the doubtful units through a list kept by
// triggers; whatever happens to member counts and lectures, they agree
// with the figures of each reporting unit, which check every unit.
func TestDoubtfulUnitsFollowChanges(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b1 := addPath(t, s, "温县/城关镇/一支部", 3)
		b2 := addPath(t, s, "温县/城关镇/二支部", 0)
		town, _ := s.UnitByPath(ctx, "温县/城关镇")
		b3 := addPath(t, s, "孟州市/机关党支部", 1)
		var ids []int64
		lec := func(u *dangke.Unit, who string) {
			ids = append(ids, addLecture(t, s, dangke.Lecture{UnitID: u.ID, Speaker: who, Position: "党员", Title: who, Date: day("2019-07-01"), Attendees: 10}))
		}
		setMembers := func(u *dangke.Unit, n int) {
			if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.SetMembers(ctx, u.ID, n) }); err != nil {
				t.Fatal(err)
			}
		}
		agree := func(step string) {
			t.Helper()
			tops, err := s.TopFigures(ctx, dangke.Period{})
			if err != nil {
				t.Fatal(err)
			}
			var sum dangke.Figures
			for _, top := range tops {
				f, err := s.Figures(ctx, top.Unit.ID, dangke.Period{})
				if err != nil {
					t.Fatal(err)
				}
				g := top.Figures
				if f.CoveredSpeakers != g.CoveredSpeakers || f.CoveredMembers != g.CoveredMembers || f.Unset.N != g.Unset.N || f.Over.N != g.Over.N ||
					len(g.Unset.Units) != g.Unset.N || len(g.Over.Units) != g.Over.N {
					t.Errorf("%s: %s: unit %+v, ranking %+v", step, top.Unit.Name, f, g)
				}
				sum.Add(f)
			}
			city, err := s.Figures(ctx, 0, dangke.Period{})
			if err != nil {
				t.Fatal(err)
			}
			if city.CoveredSpeakers != sum.CoveredSpeakers || city.CoveredMembers != sum.CoveredMembers || city.Unset.N != sum.Unset.N || city.Over.N != sum.Over.N {
				t.Errorf("%s: city %+v, units %+v", step, city, sum)
			}
		}
		agree("empty")
		lec(b1, "甲")
		lec(b1, "乙")
		lec(b3, "丙")
		lec(b3, "丁") // 孟州市: two lecturers, one member
		agree("lectures")
		lec(b2, "戊")
		lec(town, "己") // the town itself, no member count
		agree("no member counts")
		setMembers(b1, 1) // now too small
		agree("members lowered")
		setMembers(b3, 5)
		setMembers(b2, 2)
		agree("members raised")
		setMembers(town, 0)
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, ids[len(ids)-1], "x", time.Now()) }); err != nil {
			t.Fatal(err)
		}
		agree("withdrawn")
		lec(b1, "庚")
		lec(b1, "辛")
		agree("more lecturers")
		if err := s.RebuildTotals(ctx); err != nil {
			t.Fatal(err)
		}
		agree("rebuilt")
		f, _ := s.Figures(ctx, 0, dangke.Period{})
		if f.Over.N != 1 || f.Over.Units[0].Path != "温县/城关镇/一支部" || f.Unset.N != 0 {
			t.Errorf("city %+v", f)
		}
	})
}
