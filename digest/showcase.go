package digest

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// showcase is what the digests say of the 示范宣讲 and the online
// micro-classroom (issue 14): the week's 示范宣讲 by reporting unit, for a
// county's digest, and the lectures marked excellent in the week, for the
// city's.
type showcase struct {
	week      []dangke.Lecture           // the week's 示范宣讲 of the whole province, read once
	demos     map[int64][]dangke.Lecture // of the subtree read, by reporting unit
	excellent []dangke.Excellent         // marked during the week, newest lecture first
}

// readShowcase reads the week's 示范宣讲 of the whole province and the
// lectures marked excellent in it, once for every snapshot of the week:
// they are few (a week's), and one read over the week's lectures costs
// less than one a reporting unit.
func (s *Snapshot) readShowcase(ctx context.Context, st dangke.Reader) error {
	var err error
	if s.show.week, err = st.DemoLectures(ctx, 0, s.Week); err != nil {
		return err
	}
	s.show.excellent, err = st.Excellents(ctx, 0, s.Week)
	return err
}

// groupDemos files the week's 示范宣讲 of the subtree read under their
// reporting units.
func (s *Snapshot) groupDemos() {
	s.show.demos = map[int64][]dangke.Lecture{}
	for _, l := range s.show.week {
		if n := s.byID[l.UnitID]; n != nil {
			s.show.demos[n.unit.TopID] = append(s.show.demos[n.unit.TopID], l)
		}
	}
}

// demoLines lists a county's 示范宣讲 of the week.
func (s *Snapshot) demoLines(b *strings.Builder, scope *dangke.Unit) {
	if scope == nil || scope.Kind != dangke.KindCounty {
		return
	}
	list := s.show.demos[scope.ID]
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(b, "\n本周示范宣讲 %d 次：", len(list))
	for i, l := range list {
		if i == maxNames {
			fmt.Fprintf(b, "\n…等 %d 次", len(list))
			break
		}
		venue := l.Venue
		if venue == "" {
			venue = "未填场所"
		}
		fmt.Fprintf(b, "\n· %s %s《%s》（%s，%s）", md(l.Date), l.Speaker, l.Title, relative(dangke.Unit{Path: l.UnitPath}, scope), venue)
	}
}

// classroomLines lists, in the city's digest, the lectures marked
// excellent during the week.
func (s *Snapshot) classroomLines(b *strings.Builder, scope *dangke.Unit) {
	if scope != nil || len(s.show.excellent) == 0 {
		return
	}
	fmt.Fprintf(b, "\n📺 网上微课堂本周新增 %d 节：", len(s.show.excellent))
	for i, e := range s.show.excellent {
		if i == maxNames {
			fmt.Fprintf(b, "\n…等 %d 节，发送 /微课堂 查看", len(s.show.excellent))
			break
		}
		fmt.Fprintf(b, "\n· %s《%s》（%s）%s", e.Lecture.Speaker, e.Lecture.Title, e.Lecture.UnitPath, e.Lecture.Link)
	}
}
