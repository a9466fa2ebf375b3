package dangke

import (
	"strconv"
	"time"
)

// Figures are the campaign's numbers for a unit's subtree over a period: the
// figures of /统计 and of the 附件1 footer, computed in one place.
type Figures struct {
	Lectures  int // lectures logged
	Speakers  int // distinct lecturers (a name within a unit is one person)
	Leaders   int // distinct lecturers who are leading cadres
	Attendees int // sum of 听课人数
	Satisfied int // satisfied listeners, over the lectures that were surveyed
	Surveyed  int // listeners surveyed
	Members   int // Party members in the subtree
}

// Add adds the counts of g to f.
func (f *Figures) Add(g Figures) {
	f.Lectures += g.Lectures
	f.Speakers += g.Speakers
	f.Leaders += g.Leaders
	f.Attendees += g.Attendees
	f.Satisfied += g.Satisfied
	f.Surveyed += g.Surveyed
	f.Members += g.Members
}

// Coverage is the share of Party members who have lectured, as a percentage
// with one decimal ("22.2"), and false when the member count is not set.
func (f Figures) Coverage() (string, bool) { return Percent(f.Speakers, f.Members) }

// Satisfaction is the satisfaction rate over the surveyed listeners, as a
// percentage with one decimal, and false when nobody was surveyed.
func (f Figures) Satisfaction() (string, bool) { return Percent(f.Satisfied, f.Surveyed) }

// CoverageMilli is the coverage in tenths of a percent, for ranking; -1 when
// the member count is not set.
func (f Figures) CoverageMilli() int {
	if f.Members <= 0 {
		return -1
	}
	return int((int64(f.Speakers)*2000 + int64(f.Members)) / (2 * int64(f.Members)))
}

// Percent formats num/den as a percentage with one decimal, rounded half up
// in integer arithmetic so that the same figures always print the same way.
// It reports false when den is not positive.
func Percent(num, den int) (string, bool) {
	if den <= 0 || num < 0 {
		return "", false
	}
	tenths := (int64(num)*2000 + int64(den)) / (2 * int64(den))
	return strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10), true
}

// UnitFigures pairs a unit with its figures.
type UnitFigures struct {
	Unit    Unit
	Figures Figures
}

// Period is a range of calendar days, both ends included. The zero Period
// means the whole campaign.
type Period struct {
	From, To time.Time // midnight of the first and the last day
	Label    string    // how a user named it: 本周, 上周, 本月, 2019-07-01至2019-07-31
}

// IsZero reports whether p is the whole campaign.
func (p Period) IsZero() bool { return p.From.IsZero() && p.To.IsZero() }

// DateLayout is how dates are written in replies, forms and the store.
const DateLayout = "2006-01-02"

// Week returns the Monday-to-Sunday week that contains t, in t's location.
func Week(t time.Time) Period {
	d := Midnight(t)
	offset := (int(d.Weekday()) + 6) % 7 // days since Monday
	from := d.AddDate(0, 0, -offset)
	return Period{From: from, To: from.AddDate(0, 0, 6)}
}

// Midnight returns the start of t's calendar day in t's location.
func Midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
