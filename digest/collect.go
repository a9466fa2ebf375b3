package digest

import (
	"context"
	"sort"
	"time"

	"dangke"
)

// stats are a unit's figures for a digest, its own or its subtree's.
type stats struct {
	lectures, thisWeek, lastWeek int
	attendees                    int
	speakers, speakersPrev       int // distinct lecturers up to this week's end, and last week's
	leaders                      int
	members                      int
	last                         string // day of the latest lecture, "" if none
}

func (s *stats) add(o *stats) {
	s.lectures += o.lectures
	s.thisWeek += o.thisWeek
	s.lastWeek += o.lastWeek
	s.attendees += o.attendees
	s.speakers += o.speakers
	s.speakersPrev += o.speakersPrev
	s.leaders += o.leaders
	s.members += o.members
	if o.last > s.last {
		s.last = o.last
	}
}

func (s *stats) coverage() dangke.Figures {
	return dangke.Figures{Speakers: s.speakers, Members: s.members}
}

func (s *stats) coveragePrev() dangke.Figures {
	return dangke.Figures{Speakers: s.speakersPrev, Members: s.members}
}

type node struct {
	unit    dangke.Unit
	index   int // position in path order: a subtree is a run from here
	own     stats
	subtree stats
}

// Snapshot is everything the digests of one week need.
type Snapshot struct {
	Week     dangke.Period
	Campaign dangke.Campaign
	City     string
	Today    time.Time // the day the digest speaks from, for days left

	units   []*node // by path
	byID    map[int64]*node
	pools   map[int64]int
	entries map[int64]int // contestants per reporting unit in the newest contest
	quota   int
}

// Collect reads a week's snapshot: the unit tree, every lecturer's activity
// up to the week's end, the pools and the contest entries.
func Collect(ctx context.Context, st dangke.Reader, c dangke.Campaign, city string, rubric dangke.Rubric, week dangke.Period, today time.Time) (*Snapshot, error) {
	s := &Snapshot{Week: week, Campaign: c, City: city, Today: dangke.Midnight(today), byID: map[int64]*node{}, entries: map[int64]int{}, quota: rubric.Quota}
	units, err := st.Units(ctx, 0)
	if err != nil {
		return nil, err
	}
	for i, u := range units {
		n := &node{unit: u, index: i, own: stats{members: u.Members}}
		s.units = append(s.units, n)
		s.byID[u.ID] = n
	}
	rows, err := st.SpeakerStats(ctx, week)
	if err != nil {
		return nil, err
	}
	prevEnd := week.From.AddDate(0, 0, -1).Format(dangke.DateLayout)
	for _, r := range rows {
		n := s.byID[r.UnitID]
		if n == nil {
			continue
		}
		o := &n.own
		o.lectures += r.Lectures
		o.thisWeek += r.ThisWeek
		o.lastWeek += r.LastWeek
		o.attendees += r.Attendees
		o.speakers++
		if r.First <= prevEnd {
			o.speakersPrev++
		}
		if r.Leader {
			o.leaders++
		}
		if r.Last > o.last {
			o.last = r.Last
		}
	}
	// Subtree sums: children come after their parent in path order, so
	// walking backwards adds every child before its parent is read.
	for i := len(s.units) - 1; i >= 0; i-- {
		n := s.units[i]
		n.subtree.add(&n.own)
		if p := s.byID[n.unit.ParentID]; p != nil {
			p.subtree.add(&n.subtree)
		}
	}
	if s.pools, err = st.PoolSizes(ctx); err != nil {
		return nil, err
	}
	if k, err := st.Contest(ctx, 0); err == nil {
		cs, err := st.Contestants(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		for _, x := range cs {
			s.entries[x.TopID]++
		}
	} else if dangke.ErrorCode(err) != dangke.ENOTFOUND {
		return nil, err
	}
	return s, nil
}

// tops returns the reporting units.
func (s *Snapshot) tops() []*node {
	var out []*node
	for _, n := range s.units {
		if n.unit.ParentID == 0 {
			out = append(out, n)
		}
	}
	return out
}

// branches returns the Party branches in a subtree (nil: the city), by path.
// Units come in path order, so a subtree is the run of units from its root
// while their paths start with the root's.
func (s *Snapshot) branches(scope *dangke.Unit) []*node {
	list := s.units
	if scope != nil {
		root := s.byID[scope.ID]
		if root == nil {
			return nil
		}
		end := root.index + 1
		for end < len(s.units) && scope.Contains(&s.units[end].unit) {
			end++
		}
		list = s.units[root.index:end]
	}
	var out []*node
	for _, n := range list {
		if n.unit.Kind == dangke.KindBranch {
			out = append(out, n)
		}
	}
	return out
}

// ranked orders reporting units by coverage, then lectures.
func ranked(tops []*node) []*node {
	out := append([]*node(nil), tops...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].subtree.coverage().CoverageMilli(), out[j].subtree.coverage().CoverageMilli()
		if a != b {
			return a > b
		}
		return out[i].subtree.lectures > out[j].subtree.lectures
	})
	return out
}
