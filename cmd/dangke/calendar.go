package main

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"dangke"
)

// calendar is the working calendar of the campaign's years: the official
// holidays and 调休 working days as github.com/6tail/lunar-go records the
// State Council's notices, then the config's lists on top (a date on one
// list is taken off the other), for a year the library does not know yet
// or a local change.
func calendar(start, end time.Time, holidays, workdays []string, loc *time.Location) (dangke.Calendar, error) {
	var c dangke.Calendar
	for y := start.Year(); y <= end.Year(); y++ {
		var off, on []string
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok {
				continue
			}
			if h.IsWork() {
				on = append(on, h.GetDay())
			} else {
				off = append(off, h.GetDay())
			}
		}
		c.Add(off, false)
		c.Add(on, true)
	}
	for key, list := range map[string][]string{"holidays": holidays, "workdays": workdays} {
		for _, d := range list {
			if _, err := time.ParseInLocation(dangke.DateLayout, d, loc); err != nil {
				return c, fmt.Errorf("config: campaign.%s: %q is not a date like 2019-10-01", key, d)
			}
		}
	}
	c.Add(holidays, false)
	c.Add(workdays, true)
	return c, nil
}
