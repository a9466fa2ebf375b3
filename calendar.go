package dangke

import "time"

// Calendar is the working calendar the schedules follow: Saturdays,
// Sundays and the public holidays are days off, except the weekend days
// the State Council's notice makes working days (调休). Both lists are keyed
// by date, 2019-10-01.
type Calendar struct {
	Holidays map[string]bool
	Workdays map[string]bool
}

// Workday reports whether t's date (in t's zone) is a working day.
func (c Calendar) Workday(t time.Time) bool {
	day := t.Format(DateLayout)
	if c.Workdays[day] {
		return true
	}
	if c.Holidays[day] {
		return false
	}
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

// NextWorkday returns t when its date is a working day, else the same
// clock time on the first working day after it (within a year).
func (c Calendar) NextWorkday(t time.Time) time.Time {
	for i := 0; i < 366 && !c.Workday(t); i++ {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// WorkdaysBefore returns the day n working days before day: with n = 1, the
// last working day before it.
func (c Calendar) WorkdaysBefore(day time.Time, n int) time.Time {
	for i := 0; n > 0 && i < 366; i++ {
		day = day.AddDate(0, 0, -1)
		if c.Workday(day) {
			n--
		}
	}
	return day
}

// Add puts dates on the calendar: holidays (days off) or working days, a
// date on one list taken off the other.
func (c *Calendar) Add(days []string, work bool) {
	if c.Holidays == nil {
		c.Holidays = map[string]bool{}
	}
	if c.Workdays == nil {
		c.Workdays = map[string]bool{}
	}
	for _, d := range days {
		if work {
			c.Workdays[d] = true
			delete(c.Holidays, d)
		} else {
			c.Holidays[d] = true
			delete(c.Workdays, d)
		}
	}
}
