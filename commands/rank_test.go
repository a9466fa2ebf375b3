package commands

import (
	"fmt"
	"strings"
	"testing"

	"dangke"
)

// TestRankLinesNameTheFirst checks that the lists after the ranking (units
// at 0, units that cannot be ranked) name the first dangke.MaxNamed and
// say how many there are: a province of a hundred reporting units without
// member counts is one line.
func TestRankLinesNameTheFirst(t *testing.T) {
	var tops []dangke.UnitFigures
	for i := range 12 {
		tops = append(tops, dangke.UnitFigures{Unit: dangke.Unit{Name: fmt.Sprintf("%02d县", i)}})
	}
	for i := range 11 {
		f := dangke.Figures{Members: 5, CoveredMembers: 5}
		tops = append(tops, dangke.UnitFigures{Unit: dangke.Unit{Name: fmt.Sprintf("%02d区", i)}, Figures: f})
	}
	tops = append(tops, dangke.UnitFigures{Unit: dangke.Unit{Name: "甲市"}, Figures: dangke.Figures{Members: 5, CoveredMembers: 5, CoveredSpeakers: 2, Speakers: 2, Lectures: 3}})
	got := rankLines(tops)
	for _, want := range []string{
		"1. 甲市 40.0%（2/5），3 次",
		"\n尚无党员上台：00区（0/5）、01区（0/5）、02区（0/5）、03区（0/5）、04区（0/5）、05区（0/5）、06区（0/5）、07区（0/5）、08区（0/5）、09区（0/5） 等 11 个",
		"\n未参加排名：00县（党员数未设置）、01县（党员数未设置）、02县（党员数未设置）、03县（党员数未设置）、04县（党员数未设置）、05县（党员数未设置）、06县（党员数未设置）、07县（党员数未设置）、08县（党员数未设置）、09县（党员数未设置） 等 12 个",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rankLines:\n%s\nwant a line %q", got, want)
		}
	}
	if strings.Contains(got, "10县") || strings.Contains(got, "10区") {
		t.Errorf("rankLines names more than %d units a list:\n%s", dangke.MaxNamed, got)
	}
	// Ten or fewer: all named, no count.
	if got := rankLines(tops[:3]); !strings.HasSuffix(got, "未参加排名：00县（党员数未设置）、01县（党员数未设置）、02县（党员数未设置）") {
		t.Errorf("three unranked units:\n%s", got)
	}
}
