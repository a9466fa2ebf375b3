package report

import (
	"strings"
	"testing"

	"dangke"
)

// The report's rate says when units are left out of it, as /统计 and
// 附件1 do; without that a stamped report would print a rate that reads as
// the whole county's.
func TestCoverageClauseNamesLeftOut(t *testing.T) {
	f := dangke.Figures{Speakers: 7, Members: 23, CoveredSpeakers: 7, CoveredMembers: 23,
		Unset: dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{{Path: "温县/城关镇/第三党支部", Kind: dangke.KindBranch}}}}
	if got := coverageClause(f); !strings.Contains(got, "30.4%（1个单位党员数未填或少于讲课人数，未计入）") {
		t.Errorf("partial: %q", got)
	}
	f.Unset = dangke.Doubtful{}
	if got := coverageClause(f); got != "，党员上台率30.4%" {
		t.Errorf("whole: %q", got)
	}
}
