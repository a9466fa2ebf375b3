package digest

import (
	"context"
	"time"

	"dangke"
)

// Source hands out the snapshot each digest needs while reading the
// province one reporting unit at a time, so that memory holds one
// reporting unit's subtree and the city's few figures, never the province.
// Asked in path order (the order of dangke.DigestReader.BoundChats: by the
// unit's path, the city's chats last), it reads each reporting unit once:
// its snapshot serves its chats, then its figures and lists join the city's
// and the rest is dropped. A unit asked for out of order reads its
// reporting unit again.
type Source struct {
	st   dangke.Reader
	base *Snapshot // the week, the pools and the entries, shared

	tops []dangke.Unit // the reporting units, by path
	next int           // tops[:next] have joined the city
	cur  *Snapshot     // the reporting unit read last
	city *Snapshot     // the city, gathered so far
}

// NewSource prepares the digests of a week.
func NewSource(ctx context.Context, st dangke.Reader, c dangke.Campaign, city string, rubric dangke.Rubric, week dangke.Period, today time.Time) (*Source, error) {
	base, err := newSnapshot(ctx, st, c, city, rubric, week, today)
	if err != nil {
		return nil, err
	}
	tops, err := st.TopUnits(ctx)
	if err != nil {
		return nil, err
	}
	c2 := *base
	c2.byID, c2.city, c2.across = map[int64]*node{}, &cityLists{}, map[int64]map[int64]stats{}
	return &Source{st: st, base: base, tops: tops, city: &c2}, nil
}

// For returns the snapshot that builds scope's digest (nil: the city's).
func (src *Source) For(ctx context.Context, scope *dangke.Unit) (*Snapshot, error) {
	if scope == nil {
		for src.next < len(src.tops) {
			if _, err := src.advance(ctx); err != nil {
				return nil, err
			}
		}
		src.cur = nil
		return src.city, nil
	}
	if src.cur != nil && src.cur.Has(scope) {
		return src.cur, nil
	}
	for src.next < len(src.tops) {
		s, err := src.advance(ctx)
		if err != nil {
			return nil, err
		}
		if s.Has(scope) {
			return s, nil
		}
	}
	// Out of order: read its reporting unit again, alone.
	s, err := src.read(ctx, scope.TopID)
	if err != nil {
		return nil, err
	}
	src.cur = s
	return s, nil
}

// Unit returns the unit of an id, from the reporting unit read last when
// it holds it (the chats come by path: a chat's unit is most often there),
// else from the store.
func (src *Source) Unit(ctx context.Context, id int64) (*dangke.Unit, error) {
	if src.cur != nil {
		if n := src.cur.byID[id]; n != nil {
			u := n.unit
			return &u, nil
		}
	}
	return src.st.UnitByID(ctx, id)
}

// advance reads the next reporting unit and adds it to the city.
func (src *Source) advance(ctx context.Context) (*Snapshot, error) {
	top := src.tops[src.next]
	src.cur = nil // let the previous one go before reading the next
	s, err := src.read(ctx, top.ID)
	if err != nil {
		return nil, err
	}
	src.next++
	src.join(s)
	src.cur = s
	return s, nil
}

func (src *Source) read(ctx context.Context, top int64) (*Snapshot, error) {
	s := *src.base
	s.byID = map[int64]*node{}
	if err := s.fill(ctx, src.st, top); err != nil {
		return nil, err
	}
	return &s, nil
}

// join adds a reporting unit's figures and lists to the city: its own node
// (with its subtree's figures) and, in path order, its idle and unset
// branches and its units left out of coverage, as the city's digest names
// them.
func (src *Source) join(s *Snapshot) {
	c := src.city
	for p, tops := range s.across {
		for top, o := range tops {
			if c.across[p] == nil {
				c.across[p] = map[int64]stats{}
			}
			c.across[p][top] = o
		}
	}
	for _, n := range s.units {
		if n.unit.ParentID == 0 {
			t := &node{unit: n.unit, index: len(c.units), own: n.own, subtree: n.subtree}
			c.units = append(c.units, t)
			c.byID[t.unit.ID] = t
		}
		if n.unit.Kind == dangke.KindBranch {
			s.idleOne(n, &c.city.never, &c.city.stale)
			if n.unit.Members == 0 {
				c.city.unset.add(n)
			}
		}
		u := dangke.DoubtfulUnit{Path: n.unit.Path, Kind: n.unit.Kind, Speakers: n.own.speakers, Members: n.own.members}
		switch {
		case n.own.unset > 0:
			c.city.doubts.Unset.Add(dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{u}})
		case n.own.over > 0:
			c.city.doubts.Over.Add(dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{u}})
		}
	}
}
