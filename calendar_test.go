package dangke_test

import (
	"testing"
	"time"

	"dangke"
)

func TestCalendar(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	var c dangke.Calendar
	c.Add([]string{"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"}, false)
	c.Add([]string{"2019-09-29", "2019-10-12"}, true)
	day := func(m time.Month, d, h int) time.Time { return time.Date(2019, m, d, h, 0, 0, 0, loc) }
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{{day(9, 28, 0), false}, {day(9, 29, 0), true}, {day(9, 30, 0), true}, {day(10, 1, 0), false}, {day(10, 7, 0), false},
		{day(10, 8, 0), true}, {day(10, 12, 0), true}, {day(10, 13, 0), false}} {
		if got := c.Workday(tc.t); got != tc.want {
			t.Errorf("Workday(%s) = %v", tc.t.Format(dangke.DateLayout), got)
		}
	}
	// Monday 7 October 09:00 is in the National Day holiday: Tuesday 8th, 09:00.
	if got := c.NextWorkday(day(10, 7, 9)); !got.Equal(day(10, 8, 9)) {
		t.Errorf("NextWorkday = %s", got)
	}
	// Three working days before Tuesday 8 October: 8 → 30 Sep, 29 Sep (调休 Sunday), 27 Sep.
	if got := c.WorkdaysBefore(day(10, 8, 0), 3); !got.Equal(day(9, 27, 0)) {
		t.Errorf("WorkdaysBefore 3 = %s", got)
	}
	if got := c.WorkdaysBefore(day(10, 8, 0), 1); !got.Equal(day(9, 30, 0)) {
		t.Errorf("WorkdaysBefore 1 = %s", got)
	}
}
