package dangke

// CoverageProblem says why a unit's coverage cannot be shown as a figure
// (a chart marks such a unit with the reason instead of drawing a bar), or
// "" when it can: no member count (未填党员数), or more lecturers than
// members (讲课人数超过党员数). The figures decide: a unit without a
// coverage (CoverageMilli below zero) or with one above 100% has a problem.
func (f Figures) CoverageProblem() string {
	m := f.CoverageMilli()
	switch {
	case m < 0 && f.Members <= 0:
		return "未填党员数"
	case m < 0 || m > 1000:
		return "讲课人数超过党员数"
	}
	return ""
}
