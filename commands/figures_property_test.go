package commands_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/digest"
	"dangke/report"
	"dangke/store"
)

// TestFiguresAgree builds random trees (member counts unset, too small or
// fine; lectures in branches and in the units above them; withdrawn
// entries; one person's names linked across units, across reporting units
// too) and checks that the
// 附件1 footer, /统计 and the digest print the coverage, the lecturers and
// the leading cadres that a brute-force count over the raw lectures gives,
// at every unit and for the city, and that no printed percentage exceeds
// 100%.
func TestFiguresAgree(t *testing.T) {
	var seen cases
	for seed := range uint64(25) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { figuresAgree(t, rand.New(rand.NewPCG(seed, 11)), &seen) })
	}
	// The random cases include every kind that matters.
	if seen.unset == 0 || seen.over == 0 || seen.linked == 0 || seen.none == 0 || seen.partial == 0 {
		t.Errorf("cases not covered: %+v", seen)
	}
}

// cases counts the scopes of each kind the random trees produced.
type cases struct{ unset, over, linked, none, partial int }

type bruteUnit struct {
	unit    *dangke.Unit
	parent  *bruteUnit
	members int
}

type bruteLecture struct {
	unit    *bruteUnit
	speaker string
	leader  bool
	day     time.Time
	active  bool
}

// want is what a unit's figures must be.
type want struct {
	speakers, leaders int
	coverage          string // "" when it cannot be computed
}

var (
	coverageRe = regexp.MustCompile(`上台率 (\d+\.\d)%`)
	footerRe   = regexp.MustCompile(`占党员总数的 (\d+\.\d)%`)
	percentRe  = regexp.MustCompile(`(\d+(?:\.\d+)?)%`)
	rankRe     = regexp.MustCompile(`\n\d+\. (\S+) (\d+\.\d)%（(\d+)/(\d+)）`)
)

func figuresAgree(t *testing.T, rnd *rand.Rand, seen *cases) {
	ctx := context.Background()
	st, err := store.Open(ctx, template.Fresh(t, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := start // Wednesday 10 July 2019
	var units []*bruteUnit
	members := func() int {
		switch rnd.IntN(4) {
		case 0:
			return 0
		case 1:
			return 1 + rnd.IntN(2) // likely too small
		default:
			return 3 + rnd.IntN(8)
		}
	}
	add := func(parent *bruteUnit, name string, kind dangke.UnitKind, m int) *bruteUnit {
		u := &dangke.Unit{Name: name, Kind: kind, Members: m}
		if parent != nil {
			u.ParentID = parent.unit.ID
		}
		if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddUnit(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		b := &bruteUnit{unit: u, parent: parent, members: m}
		units = append(units, b)
		return b
	}
	digits := []string{"一", "二", "三", "四"}
	for c := range 1 + rnd.IntN(3) {
		county := add(nil, digits[c]+"县", dangke.KindCounty, []int{0, 0, 4}[rnd.IntN(3)])
		for w := range rnd.IntN(3) {
			town := add(county, digits[w]+"镇", dangke.KindOrg, []int{0, 0, 0, 5}[rnd.IntN(4)])
			for b := range 1 + rnd.IntN(3) {
				add(town, digits[b]+"支部", dangke.KindBranch, members())
			}
		}
		for b := range rnd.IntN(3) {
			add(county, "直属"+digits[b]+"支部", dangke.KindBranch, members())
		}
	}
	names := []string{"张三", "李四", "王五", "赵六", "钱七"}
	var lectures []*bruteLecture
	var ids []int64
	for range 5 + rnd.IntN(30) {
		u := units[rnd.IntN(len(units))]
		l := &bruteLecture{unit: u, speaker: names[rnd.IntN(len(names))], leader: rnd.IntN(4) == 0,
			day: time.Date(2019, 7, 1+rnd.IntN(10), 0, 0, 0, 0, shanghai), active: true}
		e := dangke.Lecture{UnitID: u.unit.ID, Speaker: l.speaker, Position: "党员", Title: "题目", Date: l.day, Attendees: 10,
			Leader: l.leader, Form: "普通", Author: "console:admin", Chat: "console:admin", CreatedAt: now}
		if rnd.IntN(3) == 0 {
			e.Surveyed, e.Satisfied = 10, rnd.IntN(11)
		}
		if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &e) }); err != nil {
			t.Fatal(err)
		}
		lectures = append(lectures, l)
		ids = append(ids, e.ID)
	}
	for i, l := range lectures {
		if rnd.IntN(8) == 0 {
			if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, ids[i], "console:admin", now) }); err != nil {
				t.Fatal(err)
			}
			l.active = false
		}
	}
	// Same-person links between equal names of one reporting unit, kept
	// in a union-find as the brute force's idea of a person.
	person := map[[2]any]*[2]any{}
	var find func(k [2]any) [2]any
	find = func(k [2]any) [2]any {
		if p, ok := person[k]; ok && *p != k {
			r := find(*p)
			*p = r
			return r
		}
		return k
	}
	top := func(u *bruteUnit) *bruteUnit {
		for u.parent != nil {
			u = u.parent
		}
		return u
	}
	for range rnd.IntN(6) {
		a, b := lectures[rnd.IntN(len(lectures))], lectures[rnd.IntN(len(lectures))]
		// Mostly within a reporting unit, as the bot asks; sometimes
		// across two, as a move of one name's unit leaves them.
		if a.unit == b.unit || top(a.unit) != top(b.unit) && rnd.IntN(2) == 0 {
			continue
		}
		b2 := *b
		b2.speaker = a.speaker // the same name in b's unit
		ka, kb := [2]any{a.unit, a.speaker}, [2]any{b.unit, a.speaker}
		err := st.Update(ctx, func(tx dangke.Tx) error {
			return tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: a.unit.unit.ID, Name: a.speaker},
				dangke.SpeakerRef{UnitID: b.unit.unit.ID, Name: a.speaker}, true, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		ra, rb := find(ka), find(kb)
		if _, ok := person[ra]; !ok {
			person[ra] = &[2]any{}
			*person[ra] = ra
		}
		person[rb] = &[2]any{}
		*person[rb] = ra
	}

	// The brute force, from the raw lectures.
	within := func(u, scope *bruteUnit) bool {
		for ; u != nil; u = u.parent {
			if u == scope {
				return true
			}
		}
		return scope == nil
	}
	own := map[*bruteUnit]map[string]bool{}
	ownLectures := map[*bruteUnit]int{}
	for _, l := range lectures {
		if l.active {
			if own[l.unit] == nil {
				own[l.unit] = map[string]bool{}
			}
			own[l.unit][l.speaker] = true
			ownLectures[l.unit]++
		}
	}
	covered := func(u *bruteUnit) bool { return u.members > 0 && len(own[u]) <= u.members }
	expect := func(scope *bruteUnit, from time.Time) want {
		people, leaders, coveredPeople := map[[2]any]bool{}, map[[2]any]bool{}, map[[2]any]bool{}
		for _, l := range lectures {
			if !l.active || !within(l.unit, scope) || l.day.Before(from) {
				continue
			}
			p := find([2]any{l.unit, l.speaker})
			people[p] = true
			if l.leader {
				leaders[p] = true
			}
			if covered(l.unit) {
				coveredPeople[p] = true
			}
		}
		m := 0
		for _, u := range units {
			if within(u, scope) && covered(u) {
				m += u.members
			}
		}
		cov, _ := dangke.Percent(len(coveredPeople), m)
		return want{len(people), len(leaders), cov}
	}

	router := commands.New(st, commands.Config{Admins: []string{"console:admin"}, Location: shanghai, City: "焦作市",
		Now: func() time.Time { return now }})
	ask := func(text string) string {
		reply, err := router.Handle(ctx, dangke.Request{Chat: dangke.ChatRef{Platform: "console", ID: "admin"},
			From: dangke.Person{Platform: "console", ID: "admin"}, Text: text, Time: now})
		if err != nil || reply == nil {
			t.Fatalf("%s: %v", text, err)
		}
		return reply.Text
	}
	week := dangke.Week(now)
	snap, err := digest.Collect(ctx, st, dangke.DefaultCampaign(shanghai), "焦作市", dangke.DefaultRubric(), week, now)
	if err != nil {
		t.Fatal(err)
	}
	noMore := func(where, text string) {
		for _, m := range percentRe.FindAllStringSubmatch(text, -1) {
			if v, _ := strconv.ParseFloat(m[1], 64); v > 100 {
				t.Errorf("%s prints %s%%:\n%s", where, m[1], text)
			}
		}
	}
	printed := func(re *regexp.Regexp, text string) string {
		if m := re.FindStringSubmatch(text); m != nil {
			return m[1]
		}
		return ""
	}
	scopes := append([]*bruteUnit{nil}, units...)
	for _, scope := range scopes {
		name, stats, path := "全市", "/统计 全市", ""
		var unit *dangke.Unit
		if scope != nil {
			unit, name, stats, path = scope.unit, scope.unit.Path, "/统计 "+scope.unit.Path, scope.unit.Path
		}
		w := expect(scope, time.Time{})
		// The store.
		var id int64
		if unit != nil {
			id = unit.ID
		}
		f, err := st.Figures(ctx, id, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		if cov, _ := f.Coverage(); f.Speakers != w.speakers || f.Leaders != w.leaders || cov != w.coverage {
			t.Errorf("%s: store %+v, want %+v", name, f, w)
		}
		names := map[[2]any]bool{}
		for _, l := range lectures {
			if l.active && within(l.unit, scope) {
				names[[2]any{l.unit, l.speaker}] = true
			}
		}
		seen.unset += b2i(f.Unset.N > 0)
		seen.over += b2i(f.Over.N > 0)
		seen.linked += b2i(len(names) > w.speakers)
		seen.none += b2i(w.coverage == "")
		seen.partial += b2i(w.coverage != "" && f.Partial())
		wk, err := st.Figures(ctx, id, week)
		if err != nil {
			t.Fatal(err)
		}
		ww := expect(scope, week.From)
		if cov, _ := wk.Coverage(); wk.Speakers != ww.speakers || wk.Leaders != ww.leaders || cov != ww.coverage {
			t.Errorf("%s this week: store %+v, want %+v", name, wk, ww)
		}
		// /统计
		text := ask(stats)
		noMore(stats, text)
		if got := printed(coverageRe, text); got != w.coverage {
			t.Errorf("%s: /统计 coverage %q, want %q:\n%s", name, got, w.coverage, text)
		}
		if !strings.Contains(text, fmt.Sprintf("讲课人 %d 人", w.speakers)) || !strings.Contains(text, fmt.Sprintf("领导干部上台 %d 人", w.leaders)) {
			t.Errorf("%s: /统计 lecturers, want %+v:\n%s", name, w, text)
		}
		// 附件1
		form, err := report.Form1(ctx, st, "焦作市", "", unit, dangke.Period{}, now)
		if err != nil {
			t.Fatal(err)
		}
		all := form.Footer + "\n" + strings.Join(form.Notes, "\n")
		noMore("附件1", all)
		if got := printed(footerRe, form.Footer); got != w.coverage {
			t.Errorf("%s: footer coverage %q, want %q: %s", name, got, w.coverage, form.Footer)
		}
		if w.coverage == "" && !strings.Contains(form.Footer, "占党员总数的—（") {
			t.Errorf("%s: footer %s", name, form.Footer)
		}
		// The digest.
		d := snap.Build(unit, false)
		noMore("digest "+name, d.Text)
		if !d.Quiet {
			if got := printed(coverageRe, d.Text); got != w.coverage {
				t.Errorf("%s: digest coverage %q, want %q:\n%s", name, got, w.coverage, d.Text)
			}
			if !strings.Contains(d.Text, fmt.Sprintf("领导干部上台 %d 人", w.leaders)) {
				t.Errorf("%s: digest leaders, want %d:\n%s", name, w.leaders, d.Text)
			}
		}
		// Doubtful units are named wherever the coverage is shown.
		for _, line := range f.Doubts(path) {
			if !strings.Contains(text, line) || !strings.Contains(all, line) || (!d.Quiet && !strings.Contains(d.Text, line)) {
				t.Errorf("%s: %q not in every reply:\n%s\n%s\n%s", name, line, text, all, d.Text)
			}
		}
		if scope == nil {
			// The ranking shows each reporting unit's own figures.
			for _, m := range rankRe.FindAllStringSubmatch(text, -1) {
				for _, u := range units {
					if u.parent == nil && u.unit.Name == m[1] {
						if e := expect(u, time.Time{}); e.coverage != m[2] || m[2] == "0.0" {
							t.Errorf("ranking %s %s%%, want %q", m[1], m[2], e.coverage)
						}
					}
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
