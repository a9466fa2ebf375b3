package digest

import (
	"context"
	"sort"
	"time"

	"dangke"
)

// stats are a unit's figures for a digest, its own or its subtree's.
// Coverage counts only covered units (a member count their own lecturers
// do not exceed, at the week's end), as dangke.Figures does.
type stats struct {
	lectures, thisWeek, lastWeek int
	attendees                    int
	speakers, speakersPrev       int // distinct lecturers up to this week's end, and last week's
	leaders                      int
	members                      int
	covSpeakers, covPrev         int    // distinct lecturers of the covered units, this week and last
	covMembers                   int    // members of the covered units
	unset, over                  int    // units left out of coverage: no member count, more lecturers than members
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
	s.covSpeakers += o.covSpeakers
	s.covPrev += o.covPrev
	s.covMembers += o.covMembers
	s.unset += o.unset
	s.over += o.over
	if o.last > s.last {
		s.last = o.last
	}
}

// sub takes a person's duplicate names out: d's counts are names too many.
func (s *stats) sub(d *stats) {
	s.speakers -= d.speakers
	s.speakersPrev -= d.speakersPrev
	s.leaders -= d.leaders
	s.covSpeakers -= d.covSpeakers
	s.covPrev -= d.covPrev
}

func (s *stats) coverage() dangke.Figures {
	return dangke.Figures{Speakers: s.speakers, Members: s.members, CoveredSpeakers: s.covSpeakers, CoveredMembers: s.covMembers,
		Unset: dangke.Doubtful{N: s.unset}, Over: dangke.Doubtful{N: s.over}}
}

func (s *stats) coveragePrev() dangke.Figures {
	return dangke.Figures{Speakers: s.speakersPrev, Members: s.members, CoveredSpeakers: s.covPrev, CoveredMembers: s.covMembers}
}

type node struct {
	unit    dangke.Unit
	index   int // position in path order: a subtree is a run from here
	own     stats
	subtree stats
	twice   stats // names of one person counted more than once in the subtree
}

// linked is one name of a person linked across units.
type linked struct {
	n            *node
	leader, prev bool
}

// Snapshot is everything the digests of one week need: of the whole
// province (Collect), of one reporting unit's subtree, or of the city from
// its reporting units' subtree figures (Source).
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
	city    *cityLists // the city's lists, when units holds only the reporting units
	root    int64      // the subtree read: 0 the whole province, else a reporting unit
	// across is, per linked person, what their names hold in each
	// reporting unit; a person with names in two reporting units (a move
	// put them there) counts once in the city.
	across map[int64]map[int64]stats
	show   showcase
}

// cityLists are what the city's digest names across the whole province,
// gathered while each reporting unit is read, in path order.
type cityLists struct {
	never, stale, unset capped // branches
	doubts              dangke.Figures
}

// newSnapshot makes an empty snapshot of a week with the pools, the
// contest entries and the week's showcase read.
func newSnapshot(ctx context.Context, st dangke.Reader, c dangke.Campaign, city string, rubric dangke.Rubric, week dangke.Period, today time.Time) (*Snapshot, error) {
	s := &Snapshot{Week: week, Campaign: c, City: city, Today: dangke.Midnight(today), byID: map[int64]*node{}, entries: map[int64]int{}, quota: rubric.Quota}
	var err error
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
	if err := s.readShowcase(ctx, st); err != nil {
		return nil, err
	}
	return s, nil
}

// Collect reads a week's snapshot of the whole province: the unit tree,
// every lecturer's activity up to the week's end (streamed into the units'
// figures, not kept), the pools and the contest entries. A province's
// digests are better read one reporting unit at a time (Source).
func Collect(ctx context.Context, st dangke.Reader, c dangke.Campaign, city string, rubric dangke.Rubric, week dangke.Period, today time.Time) (*Snapshot, error) {
	s, err := newSnapshot(ctx, st, c, city, rubric, week, today)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, st, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// fill reads the units of a subtree (0: all) and their lecturers' activity.
func (s *Snapshot) fill(ctx context.Context, st dangke.Reader, root int64) error {
	s.root = root
	units, err := st.Units(ctx, root)
	if err != nil {
		return err
	}
	s.units = make([]*node, 0, len(units))
	for i, u := range units {
		n := &node{unit: u, index: i, own: stats{members: u.Members}}
		s.units = append(s.units, n)
		s.byID[u.ID] = n
	}
	prevEnd := s.Week.From.AddDate(0, 0, -1).Format(dangke.DateLayout)
	people := map[int64][]linked{}
	err = st.SpeakerStats(ctx, s.Week, root, func(r dangke.SpeakerStat) error {
		n := s.byID[r.UnitID]
		if n == nil {
			return nil
		}
		if r.Person != 0 {
			people[r.Person] = append(people[r.Person], linked{n: n, leader: r.Leader, prev: r.First <= prevEnd})
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
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range s.units {
		o := &n.own
		switch {
		case o.members == 0:
			o.unset = b2i(n.unit.Kind == dangke.KindBranch || o.lectures > 0)
		case o.speakers > o.members:
			o.over = 1
		default:
			o.covSpeakers, o.covPrev, o.covMembers = o.speakers, o.speakersPrev, o.members
		}
	}
	s.dedup(people)
	s.across = map[int64]map[int64]stats{}
	for p, names := range people {
		for _, l := range names {
			s.addAcross(p, l)
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
	for _, n := range s.units {
		n.subtree.sub(&n.twice)
	}
	s.groupDemos()
	return nil
}

// Has reports whether the snapshot can build a unit's digest (nil: the
// city's): Collect's can build any, a reporting unit's those of its
// subtree, the city's (Source) the city's.
func (s *Snapshot) Has(scope *dangke.Unit) bool {
	if scope == nil {
		return s.root == 0 || s.city != nil
	}
	return s.city == nil && s.byID[scope.ID] != nil
}

// dedup finds, for every unit, how many names of one person its subtree
// counts more than once: a person with k > 1 names below a unit is k-1 too
// many there, and the same for leading cadres, for last week and for the
// covered units. The links are few, so this walks up from each name.
func (s *Snapshot) dedup(people map[int64][]linked) {
	for _, names := range people {
		if len(names) < 2 {
			continue
		}
		count := map[*node]*stats{}
		for _, l := range names {
			covered := l.n.own.covMembers > 0
			for a := l.n; a != nil; a = s.byID[a.unit.ParentID] {
				c := count[a]
				if c == nil {
					c = &stats{}
					count[a] = c
				}
				c.speakers++
				c.speakersPrev += b2i(l.prev)
				c.leaders += b2i(l.leader)
				c.covSpeakers += b2i(covered)
				c.covPrev += b2i(covered && l.prev)
			}
		}
		for a, c := range count {
			t := &a.twice
			t.speakers += max(c.speakers-1, 0)
			t.speakersPrev += max(c.speakersPrev-1, 0)
			t.leaders += max(c.leaders-1, 0)
			t.covSpeakers += max(c.covSpeakers-1, 0)
			t.covPrev += max(c.covPrev-1, 0)
		}
	}
}

// addAcross records that a name of person p lies in l's reporting unit:
// one lecturer there (a leading cadre, lecturing before this week, in a
// covered unit when any of their names there is).
func (s *Snapshot) addAcross(p int64, l linked) {
	tops := s.across[p]
	if tops == nil {
		tops = map[int64]stats{}
		s.across[p] = tops
	}
	covered := l.n.own.covMembers > 0
	c := tops[l.n.unit.TopID]
	c.speakers = 1
	c.speakersPrev |= b2i(l.prev)
	c.leaders |= b2i(l.leader)
	c.covSpeakers |= b2i(covered)
	c.covPrev |= b2i(covered && l.prev)
	tops[l.n.unit.TopID] = c
}

// cityTwice is how many lecturers the sum of the reporting units counts
// more than once: a person with names in k reporting units, k-1.
func cityTwice(across map[int64]map[int64]stats) stats {
	var t stats
	for _, tops := range across {
		if len(tops) < 2 {
			continue
		}
		var c stats
		for _, o := range tops {
			c.add(&o)
		}
		t.speakers += max(c.speakers-1, 0)
		t.speakersPrev += max(c.speakersPrev-1, 0)
		t.leaders += max(c.leaders-1, 0)
		t.covSpeakers += max(c.covSpeakers-1, 0)
		t.covPrev += max(c.covPrev-1, 0)
	}
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// doubtful returns the figures of a subtree's coverage (nil: the city)
// with the units left out of it named, as the store names them.
func (s *Snapshot) doubtful(scope *dangke.Unit, st *stats) dangke.Figures {
	f := st.coverage()
	if st.unset+st.over == 0 {
		return f
	}
	f.Unset.N, f.Over.N = 0, 0
	if scope == nil && s.city != nil {
		f.Unset, f.Over = s.city.doubts.Unset, s.city.doubts.Over
		return f
	}
	list := s.units
	if scope != nil {
		list = s.subtree(scope)
	}
	for _, n := range list {
		u := dangke.DoubtfulUnit{Path: n.unit.Path, Kind: n.unit.Kind, Speakers: n.own.speakers, Members: n.own.members}
		switch {
		case n.own.unset > 0:
			f.Unset.Add(dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{u}})
		case n.own.over > 0:
			f.Over.Add(dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{u}})
		}
	}
	return f
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
		list = s.subtree(scope)
	}
	var out []*node
	for _, n := range list {
		if n.unit.Kind == dangke.KindBranch {
			out = append(out, n)
		}
	}
	return out
}

// subtree returns a unit and the units below it, by path.
func (s *Snapshot) subtree(scope *dangke.Unit) []*node {
	root := s.byID[scope.ID]
	if root == nil {
		return nil
	}
	end := root.index + 1
	for end < len(s.units) && scope.Contains(&s.units[end].unit) {
		end++
	}
	return s.units[root.index:end]
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
