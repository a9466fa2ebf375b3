package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// demoLecture decides whether a lecture being logged is a 示范宣讲: 示范=是
// or 示范=否 says so; otherwise it is one when it went to one of the five
// venues and its speaker is in the county's pool, matched by name. When
// two lecturers of the pool share the name, the sender is asked (示范): a
// third person of that name may have given it.
func demoLecture(ctx context.Context, c *Call, unit *dangke.Unit, l *dangke.Lecture) (bool, error) {
	marked, given, err := c.Bool("示范")
	if err != nil || given {
		return marked, err
	}
	if l.Venue == "" {
		return false, nil
	}
	county, err := c.Store().UnitByID(ctx, unit.TopID)
	if err != nil || county.Kind != dangke.KindCounty {
		return false, err
	}
	named, err := c.Store().PoolNamed(ctx, county.ID, l.Speaker)
	if err != nil {
		return false, err
	}
	switch len(named) {
	case 0:
		return false, nil
	case 1:
		return dangke.IsDemo(true, l.Venue, false), nil
	}
	if yes, answered := c.Answer("示范"); answered {
		return dangke.IsDemo(yes, l.Venue, false), nil
	}
	who := make([]string, 0, len(named))
	for _, in := range named {
		who = append(who, in.Workplace+" "+in.Position)
	}
	return false, AskChoice("示范", fmt.Sprintf("%s师资库有 %d 位「%s」（%s）。本次讲课人是其中一位吗？是：记为示范宣讲；否：记为一般宣讲。",
		county.Name, len(named), l.Speaker, strings.Join(who, "；")))
}
