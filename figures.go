package dangke

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Figures are the campaign's numbers for a unit's subtree over a period: the
// figures of /统计, the digests and the 附件1 footer, computed in one place.
//
// Lecturers are people: names in different units linked to one person count
// once at every level that holds them. Coverage (上台率) counts only the
// covered units: those with a member count that their own lecturers do not
// exceed. Units without a member count, and units whose own lecturers
// exceed their members, are left out of both sides of the ratio and named
// (Unset, Over), so that no printed coverage can exceed 100%.
type Figures struct {
	Lectures  int // lectures logged
	Speakers  int // distinct lecturers (people, each counted once)
	Leaders   int // distinct lecturers who are leading cadres
	Attendees int // sum of 听课人数
	Satisfied int // satisfied listeners, over the lectures that were surveyed
	Surveyed  int // listeners surveyed
	Members   int // Party members in the subtree, of every unit

	CoveredSpeakers int      // distinct lecturers of the covered units: coverage's numerator
	CoveredMembers  int      // Party members of the covered units: coverage's denominator
	Unset           Doubtful // branches without a member count, and units with lectures of their own but none
	Over            Doubtful // units whose own lecturers exceed their own members
}

// MaxNamed bounds the units a figure names in one list.
const MaxNamed = 10

// Doubtful counts the units left out of coverage for one reason and names
// the first MaxNamed of them, by path.
type Doubtful struct {
	N     int
	Units []DoubtfulUnit
}

// DoubtfulUnit is a unit left out of coverage, with its own lecturers and
// members.
type DoubtfulUnit struct {
	Path     string
	Kind     UnitKind
	Speakers int
	Members  int
}

// Add adds o's units to d, keeping at most MaxNamed names.
func (d *Doubtful) Add(o Doubtful) {
	d.N += o.N
	for _, u := range o.Units {
		if len(d.Units) < MaxNamed {
			d.Units = append(d.Units, u)
		}
	}
}

// Add adds the counts of g to f. Distinct lecturers add up only when the
// two subtrees share no person; the store corrects the sums it makes.
func (f *Figures) Add(g Figures) {
	f.Lectures += g.Lectures
	f.Speakers += g.Speakers
	f.Leaders += g.Leaders
	f.Attendees += g.Attendees
	f.Satisfied += g.Satisfied
	f.Surveyed += g.Surveyed
	f.Members += g.Members
	f.CoveredSpeakers += g.CoveredSpeakers
	f.CoveredMembers += g.CoveredMembers
	f.Unset.Add(g.Unset)
	f.Over.Add(g.Over)
}

// Coverage is the share of Party members who have lectured, over the
// covered units, as a percentage with one decimal ("22.2"), and false when
// no unit is covered (no member count set, or none to be trusted).
func (f Figures) Coverage() (string, bool) { return Percent(f.CoveredSpeakers, f.CoveredMembers) }

// Satisfaction is the satisfaction rate over the surveyed listeners, as a
// percentage with one decimal, and false when nobody was surveyed.
func (f Figures) Satisfaction() (string, bool) { return Percent(f.Satisfied, f.Surveyed) }

// CoverageMilli is the coverage in tenths of a percent, for ranking; -1 when
// no unit is covered.
func (f Figures) CoverageMilli() int {
	if f.CoveredMembers <= 0 {
		return -1
	}
	return int((int64(f.CoveredSpeakers)*2000 + int64(f.CoveredMembers)) / (2 * int64(f.CoveredMembers)))
}

// Partial reports whether some units are left out of the coverage.
func (f Figures) Partial() bool { return f.Unset.N > 0 || f.Over.N > 0 }

// OverText is what the bot says of a unit whose own lecturers exceed its
// own members.
const OverText = "讲课人数超过党员数，请核对党员数"

// Doubts names the units left out of the coverage, one line per reason,
// with paths relative to scope (a unit's path, or "" for the city):
// 另有 2 个支部未填党员数：…，未计入上台率 and 讲课人数超过党员数，请核对党员数：….
func (f Figures) Doubts(scope string) []string {
	var out []string
	if f.Unset.N > 0 {
		what := "支部"
		for _, u := range f.Unset.Units {
			if u.Kind != KindBranch {
				what = "单位"
			}
		}
		out = append(out, fmt.Sprintf("另有 %d 个%s未填党员数：%s，未计入上台率", f.Unset.N, what, f.Unset.names(scope, false)))
	}
	if f.Over.N > 0 {
		out = append(out, fmt.Sprintf("%s：%s，未计入上台率", OverText, f.Over.names(scope, true)))
	}
	return out
}

func (d Doubtful) names(scope string, counts bool) string {
	var out []string
	for _, u := range d.Units {
		s := RelPath(u.Path, scope)
		if counts {
			s += fmt.Sprintf("（讲课 %d 人，党员 %d 人）", u.Speakers, u.Members)
		}
		out = append(out, s)
	}
	s := strings.Join(out, "、")
	if d.N > len(d.Units) {
		s += fmt.Sprintf(" 等 %d 个", d.N)
	}
	return s
}

// RelPath names a unit below scope by its path from there; the scope
// itself by its own name, and anything else by its full path.
func RelPath(path, scope string) string {
	switch {
	case scope == "":
		return path
	case path == scope:
		return path[strings.LastIndex(path, "/")+1:]
	case strings.HasPrefix(path, scope+"/"):
		return path[len(scope)+1:]
	}
	return path
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
