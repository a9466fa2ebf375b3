package dangke

import "context"

// ChildFigures returns the figures over p of each unit directly below unit
// (nil: the city's reporting units), in path order: what the coverage
// charts and the dashboard show, from the same Figures as /统计.
func ChildFigures(ctx context.Context, r Reader, unit *Unit, p Period) ([]UnitFigures, error) {
	if unit == nil {
		return r.TopFigures(ctx, p)
	}
	units, err := r.Units(ctx, unit.ID)
	if err != nil {
		return nil, err
	}
	var out []UnitFigures
	for _, u := range units {
		if u.ParentID != unit.ID {
			continue
		}
		f, err := r.Figures(ctx, u.ID, p)
		if err != nil {
			return nil, err
		}
		out = append(out, UnitFigures{Unit: u, Figures: f})
	}
	return out, nil
}

// DayCounter is a Reader that counts a subtree's lectures per day (keyed
// 2019-07-01) in one query; WeeklyLectures uses it when the store has it.
type DayCounter interface {
	DayCounts(ctx context.Context, unit int64, p Period) (map[string]int, error)
}

// WeeklyLectures counts the lectures of a subtree (0: the city) in each of
// the weeks (given in order, as LectureCount would count each).
func WeeklyLectures(ctx context.Context, r Reader, unit int64, weeks []Period) ([]int, error) {
	out := make([]int, len(weeks))
	if dc, ok := r.(DayCounter); ok && len(weeks) > 0 {
		days, err := dc.DayCounts(ctx, unit, Period{From: weeks[0].From, To: weeks[len(weeks)-1].To})
		if err != nil {
			return nil, err
		}
		for i, w := range weeks {
			for d := w.From; !d.After(w.To); d = d.AddDate(0, 0, 1) {
				out[i] += days[d.Format(DateLayout)]
			}
		}
		return out, nil
	}
	for i, w := range weeks {
		n, err := r.LectureCount(ctx, unit, w)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
