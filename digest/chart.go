package digest

import (
	"fmt"

	"dangke"
	"dangke/chart"
)

// ChartUnits returns what a digest's coverage chart draws: the units
// directly below scope (nil: the city's reporting units) with their
// subtree's figures up to the week's end, in path order. It returns nil for
// a scope whose digest carries no chart: only the city's and a reporting
// unit's (a county's: by town or branch) do.
func (s *Snapshot) ChartUnits(scope *dangke.Unit) []dangke.UnitFigures {
	var parent int64
	if scope != nil {
		if scope.ParentID != 0 || s.byID[scope.ID] == nil {
			return nil
		}
		parent = scope.ID
	}
	var out []dangke.UnitFigures
	for _, n := range s.units {
		if n.unit.ParentID != parent {
			continue
		}
		f := n.subtree.coverage()
		f.Lectures = n.subtree.lectures
		f.Attendees = n.subtree.attendees
		f.Leaders = n.subtree.leaders
		out = append(out, dangke.UnitFigures{Unit: n.unit, Figures: f})
	}
	return out
}

// Chart returns the coverage chart the digest d of scope carries, or nil
// when it carries none (not the city's or a reporting unit's, no units
// below, or a quiet week). Build stays text only; the chart goes with the
// digest as a file of its reply.
func (s *Snapshot) Chart(r *chart.Renderer, scope *dangke.Unit, d Digest) (*dangke.File, error) {
	units := s.ChartUnits(scope)
	if r == nil || d.Quiet || len(units) == 0 {
		return nil, nil
	}
	name := s.City
	if scope != nil {
		name = scope.Name
	}
	bars := chart.CoverageBars(name+" 各下级单位上台率", fmt.Sprintf("%s · 截至 %s", dangke.WeekLabel(s.Week), md(s.Week.To)), units, s.Campaign.CoverageTarget)
	png, err := r.Bars(bars)
	if err != nil {
		return nil, err
	}
	return &dangke.File{Name: name + "-上台率-" + dangke.WeekLabel(s.Week) + ".png", MIME: "image/png", Data: png}, nil
}
