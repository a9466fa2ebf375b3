package dangke

// CoverageProblem says why a unit's coverage cannot be shown as a figure
// (a chart marks such a unit with the reason instead of drawing a bar), or
// "" when it can: no member count (未填党员数), or more lecturers than
// members (讲课人数超过党员数). The figures decide: a unit none of whose
// units is covered (see Figures) has a problem, named after the reason
// its units were left out.
func (f Figures) CoverageProblem() string {
	switch {
	case f.CoveredMembers > 0:
		return ""
	case f.Over.N > 0:
		return "讲课人数超过党员数"
	}
	return "未填党员数"
}
