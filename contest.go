package dangke

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Points are scores in hundredths of a point, so that every sum, mean and
// rounding of the contest is exact integer arithmetic: 4.5 points is 450.
type Points int

// String prints points with two decimals: 9.10.
func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, p/100, p%100)
}

// ParsePoints reads a score as judges type it: 4, 4.5, 4.50, ４.５. At most
// two decimal places; no sign, no exponent.
func ParsePoints(s string) (Points, bool) {
	whole, frac, dot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(whole) > 4 || len(frac) > 2 || (dot && frac == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	w, _ := strconv.Atoi(whole)
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi(frac)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return Points(w*100 + f), true
}

// Criterion is one line of the scoring standard (附件3).
type Criterion struct {
	Name string
	Max  Points
}

// Rubric is a contest's scoring standard and rules.
type Rubric struct {
	Criteria   []Criterion
	Quota      int           // contestants per reporting unit
	MaxLength  time.Duration // the longest a lecture may run
	Top        int           // how many are 十佳
	MinJudges  int           // judges' scores needed before a final (3: one is dropped each way)
	Membership []string      // the 身份 that may enter: 正式党员, 预备党员
}

// DefaultRubric is the notice's 附件3 and rules: 5/2/2/1 points, two
// contestants per reporting unit, six minutes, the top ten.
func DefaultRubric() Rubric {
	return Rubric{
		Criteria:   []Criterion{{"授课内容", 500}, {"语言教态", 200}, {"教学技能", 200}, {"现场效果", 100}},
		Quota:      2,
		MaxLength:  6 * time.Minute,
		Top:        10,
		MinJudges:  3,
		Membership: []string{"正式党员", "预备党员"},
	}
}

// Total is the highest score a judge can give.
func (r Rubric) Total() Points {
	var t Points
	for _, c := range r.Criteria {
		t += c.Max
	}
	return t
}

// Validate checks a rubric from config.
func (r Rubric) Validate() error {
	if len(r.Criteria) == 0 {
		return fmt.Errorf("contest: no criteria")
	}
	for _, c := range r.Criteria {
		if c.Name == "" || c.Max <= 0 {
			return fmt.Errorf("contest: criterion %q needs a name and a positive maximum", c.Name)
		}
	}
	if r.Quota < 1 || r.Top < 1 || r.MinJudges < 3 || r.MaxLength <= 0 {
		return fmt.Errorf("contest: quota, top and max length must be positive, and at least 3 judges are needed")
	}
	return nil
}

// CheckScores validates one judge's scores against the rubric, naming the
// criterion and its range when one is wrong.
func (r Rubric) CheckScores(raw []string) ([]Points, error) {
	if len(raw) != len(r.Criteria) {
		names := make([]string, len(r.Criteria))
		for i, c := range r.Criteria {
			names[i] = c.Name
		}
		return nil, Errorf(EINVALID, "评分要按顺序写 %d 项：%s，收到 %d 项。", len(r.Criteria), strings.Join(names, "、"), len(raw))
	}
	out := make([]Points, len(raw))
	for i, s := range raw {
		c := r.Criteria[i]
		p, ok := ParsePoints(s)
		if !ok || p > c.Max {
			return nil, FieldErrorf(c.Name, "应为 0 到 %s 之间、最多两位小数的分数，收到「%s」。", c.Max, s)
		}
		out[i] = p
	}
	return out, nil
}

// Final computes a contestant's final score from the judges' totals (附件3
// 注): drop one highest and one lowest, average the rest, round half up to
// two decimals, in exact integer arithmetic. It reports false when fewer
// than min judges have scored.
func Final(totals []Points, min int) (Points, bool) {
	if len(totals) < min || len(totals) < 3 {
		return 0, false
	}
	hi, lo, sum := totals[0], totals[0], Points(0)
	for _, t := range totals {
		hi, lo, sum = max(hi, t), min2(lo, t), sum+t
	}
	n := Points(len(totals) - 2)
	rest := sum - hi - lo
	return (2*rest + n) / (2 * n), true // half up: floor(rest/n + 1/2)
}

func min2(a, b Points) Points {
	if a < b {
		return a
	}
	return b
}

// Dropped returns the indexes of the one highest and the one lowest total
// that Final leaves out (the first of equals), for marking the score sheet.
func Dropped(totals []Points) (hi, lo int) {
	for i, t := range totals {
		if t > totals[hi] {
			hi = i
		}
		if t < totals[lo] {
			lo = i
		}
	}
	if hi == lo && len(totals) > 1 { // all equal
		lo = len(totals) - 1
	}
	return hi, lo
}

// Standing is a contestant's place in the ranking.
type Standing struct {
	ID      int64
	Final   Points
	Rank    int  // 1-based; equal finals share a rank until the committee orders them
	Tied    bool // shares its final with another and awaits the committee (由评委会现场集体评议决定)
	Ruled   bool // its place among equals was set by the committee
	TopList bool // among the 十佳
}

// Rank orders finals from the highest. Contestants with equal finals share a
// rank and are marked Tied, unless ruling (contestant id → position the
// committee gave among them) orders every one of them; no formula breaks a
// tie on its own. A tied group that straddles the top-list boundary leaves
// its members' TopList false until ruled.
func Rank(finals map[int64]Points, ruling map[int64]int, top int) []Standing {
	out := make([]Standing, 0, len(finals))
	for id, f := range finals {
		out = append(out, Standing{ID: id, Final: f})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Final != out[j].Final {
			return out[i].Final > out[j].Final
		}
		ri, iok := ruling[out[i].ID]
		rj, jok := ruling[out[j].ID]
		if iok && jok && ri != rj {
			return ri < rj
		}
		return out[i].ID < out[j].ID // a stable listing order, not a ranking
	})
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && out[j].Final == out[i].Final {
			j++
		}
		group := out[i:j]
		ruled := len(group) > 1
		for _, s := range group {
			if _, ok := ruling[s.ID]; !ok {
				ruled = false
			}
		}
		for k := range group {
			switch {
			case len(group) == 1:
				group[k].Rank = i + 1
			case ruled:
				group[k].Rank, group[k].Ruled = i+k+1, true
			default:
				group[k].Rank, group[k].Tied = i+1, true
			}
		}
		for k := range group {
			last := i + len(group) // the lowest place the group could take
			if group[k].Tied {
				group[k].TopList = last <= top
			} else {
				group[k].TopList = group[k].Rank <= top
			}
		}
		i = j
	}
	return out
}

// Contest is a lecture contest: the city final, or a reporting unit's own round.
type Contest struct {
	ID        int64
	Name      string
	UnitID    int64 // 0 for the city final; a reporting unit for its own round
	CreatedAt time.Time
}

// Contestant is one entry of a contest, known by its draw number.
type Contestant struct {
	ID         int64
	ContestID  int64
	Draw       int // the running order
	Name       string
	UnitID     int64
	UnitPath   string // filled on reads
	TopID      int64  // the reporting unit, for the quota
	Title      string
	Membership string // 正式党员 or 预备党员
	PPT        bool
	Length     time.Duration // the lecture's measured length, 0 if not recorded
	Closed     bool          // scoring is over; finals may be shown
}

// Judge is a person who scores a contest, by platform identity.
type Judge struct {
	ContestID int64
	Person    string // platform:id
	Name      string
	Removed   bool // left the panel: their scores of closed contestants stay
}

// Score is one judge's scores of one contestant, in the rubric's order.
type Score struct {
	ContestantID int64
	Judge        string
	Points       []Points
}

// Total sums a score's points.
func (s Score) Total() Points {
	var t Points
	for _, p := range s.Points {
		t += p
	}
	return t
}
