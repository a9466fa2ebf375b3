package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// TestKeptTotalsAgree logs, withdraws, moves and merges at random in random
// trees and checks after every step that the kept totals (unit_totals,
// speakers, unit_weeks, week_speakers and the subtree totals tree_days,
// tree_firsts, tree_units, unit_ancestors; towns move between counties too)
// equal a count made again from the
// lectures (CheckTotals), and, every few steps, that the figures of every
// unit, every reporting unit and the city over random periods (one week,
// several, a month, ranges with edge days, a single day) equal a brute-force
// count over the raw lectures. Names are linked to one person (or told
// apart) at random, across counties too (moves carry links there): a
// person counts once at every level that holds their names, the city
// included, and CheckTotals' people check recounts it.
func TestKeptTotalsAgree(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		seeds := uint64(6)
		if isPostgres(t) {
			seeds = 3 // each step a round trip to the server: the first three seeds keep CI's time
		}
		if raceBuild {
			// The race detector looks for races, which one seed shows as
			// well as six; the recount's coverage is the plain run's.
			seeds = 1
		}
		var plans [2]int // doubtful units counted by reading their lectures, by seeking their names
		for seed := range seeds {
			// Even seeds read every reporting unit's unset branches from its
			// bucket, odd ones the way the figures choose (one by one here).
			t.Run(fmt.Sprint(seed), func(t *testing.T) { keptTotalsAgree(t, rand.New(rand.NewPCG(seed, 17)), &plans, seed%2 == 0) })
		}
		// A doubtful unit's lecturers of a period are counted one of two
		// ways, by its lectures a name: the recounts must have met both.
		if plans[0] == 0 || plans[1] == 0 {
			t.Errorf("doubtful units read whole %d, by name %d: a way of counting them went untested", plans[0], plans[1])
		}
	})
}

func keptTotalsAgree(t *testing.T, rnd *rand.Rand, plans *[2]int, buckets bool) {
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath(t, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if buckets {
		store.ReadEveryBucket(st)
	}
	loc := time.FixedZone("CST", 8*3600)
	start := time.Date(2019, 6, 1, 0, 0, 0, 0, loc) // a Saturday
	var branches, towns, counties []int64
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for c := range 2 {
			county := &dangke.Unit{Name: fmt.Sprint("县", c), Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, county); err != nil {
				return err
			}
			counties = append(counties, county.ID)
			for w := range 2 {
				town := &dangke.Unit{ParentID: county.ID, Name: fmt.Sprint("镇", c, w), Kind: dangke.KindOrg, Members: rnd.IntN(3)}
				if err := tx.AddUnit(ctx, town); err != nil {
					return err
				}
				towns = append(towns, town.ID)
				for b := range 3 {
					u := &dangke.Unit{ParentID: town.ID, Name: fmt.Sprint("支部", c, w, b), Kind: dangke.KindBranch, Members: rnd.IntN(5)}
					if err := tx.AddUnit(ctx, u); err != nil {
						return err
					}
					branches = append(branches, u.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var live []int64 // lectures not withdrawn (some may have been merged: ids stay)
	for step := range 120 {
		err := st.Update(ctx, func(tx dangke.Tx) error {
			switch k := rnd.IntN(21); {
			case k < 12 || len(live) == 0:
				unit := branches[rnd.IntN(len(branches))]
				switch rnd.IntN(12) {
				case 0, 1:
					unit = towns[rnd.IntN(len(towns))]
				case 2:
					unit = counties[rnd.IntN(len(counties))] // a reporting unit's own lectures
				}
				speaker := fmt.Sprint("讲课人", rnd.IntN(5))
				if rnd.IntN(4) == 0 {
					// A busy branch: many lectures by two lecturers, which
					// a period's figures count by name when it is doubtful.
					unit, speaker = branches[0], fmt.Sprint("讲课人", rnd.IntN(2))
				}
				l := &dangke.Lecture{UnitID: unit, Speaker: speaker, Position: "党员", Title: "课",
					Date: start.AddDate(0, 0, rnd.IntN(60)), Attendees: 1 + rnd.IntN(40), Satisfied: rnd.IntN(5), Surveyed: 5,
					Leader: rnd.IntN(4) == 0, Author: "t:a", Chat: "t:g", CreatedAt: start}
				if forms := append([]string{""}, dangke.Forms...); rnd.IntN(3) > 0 {
					l.Form = forms[rnd.IntN(len(forms))]
				}
				if venues := append([]string{""}, dangke.Venues...); rnd.IntN(2) > 0 {
					l.Venue = venues[rnd.IntN(len(venues))]
				}
				if err := tx.AddLecture(ctx, l); err != nil {
					return err
				}
				live = append(live, l.ID)
				if rnd.IntN(3) == 0 {
					return tx.SetDemo(ctx, l.ID, true)
				}
			case k < 13:
				// 示范宣讲 marked or unmarked, an empty form or venue filled
				// (tree_shows moves the lecture between its columns).
				id := live[rnd.IntN(len(live))]
				if rnd.IntN(2) == 0 {
					return tx.SetDemo(ctx, id, rnd.IntN(2) == 0)
				}
				return tx.FillLecture(ctx, id, dangke.LectureFill{Form: dangke.Forms[rnd.IntN(len(dangke.Forms))],
					Venue: dangke.Venues[rnd.IntN(len(dangke.Venues))]})
			case k < 17:
				i := rnd.IntN(len(live))
				id := live[i]
				live = append(live[:i], live[i+1:]...)
				return tx.WithdrawLecture(ctx, id, "t:a", start)
			case k < 18 && rnd.IntN(2) == 0:
				return tx.SetMembers(ctx, branches[rnd.IntN(len(branches))], rnd.IntN(5))
			case k < 18:
				// Two names confirmed to be one person (or not), in any
				// two units: the moves below carry links across counties.
				a := dangke.SpeakerRef{UnitID: branches[rnd.IntN(len(branches))], Name: fmt.Sprint("讲课人", rnd.IntN(5))}
				b := dangke.SpeakerRef{UnitID: branches[rnd.IntN(len(branches))], Name: a.Name}
				if rnd.IntN(3) == 0 {
					b.UnitID = towns[rnd.IntN(len(towns))]
				}
				if a.UnitID == b.UnitID {
					return nil
				}
				return tx.LinkSpeakers(ctx, a, b, rnd.IntN(4) > 0, start)
			case k < 19:
				return tx.MoveUnit(ctx, branches[rnd.IntN(len(branches))], towns[rnd.IntN(len(towns))])
			case k < 20:
				// A town with its branches moves under another town or
				// county (re-keying every ancestor's subtree totals).
				to := towns[rnd.IntN(len(towns))]
				if rnd.IntN(2) == 0 {
					to = counties[rnd.IntN(len(counties))]
				}
				err := tx.MoveUnit(ctx, towns[rnd.IntN(len(towns))], to)
				if dangke.ErrorCode(err) == dangke.EINVALID || dangke.ErrorCode(err) == dangke.ECONFLICT {
					return nil
				}
				return err
			default:
				if len(branches) < 3 {
					return nil
				}
				i, j := rnd.IntN(len(branches)), rnd.IntN(len(branches))
				if i == j {
					return nil
				}
				if err := tx.MergeUnits(ctx, branches[i], branches[j]); err != nil {
					return err
				}
				branches = append(branches[:i], branches[i+1:]...)
			}
			return nil
		})
		if err != nil && dangke.ErrorCode(err) == dangke.EINTERNAL {
			t.Fatalf("step %d: %v", step, err)
		}
		// The recount of every step is the plain run's; under -race, of
		// every fourth (the random steps stay the same: periodsAgree below
		// draws from rnd).
		if !raceBuild || step%4 == 3 {
			c, err := st.CheckTotals(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if !c.OK() {
				t.Fatalf("step %d: kept totals differ from a recount:\n%s", step, c)
			}
		}
		if step%15 == 14 {
			periodsAgree(t, st, rnd, start, false)
		}
	}
	// A damaged week row of the subtree totals is found, and --fix
	// (RebuildTotals) makes the week tables again with the day tables.
	for _, damage := range []struct{ table, sql string }{
		{"tree_weeks", "UPDATE tree_weeks SET firsts = firsts + 1 WHERE (unit_id, week) IN (SELECT unit_id, week FROM tree_weeks LIMIT 1)"},
		{"tree_firsts_weeks", `UPDATE tree_firsts_weeks SET b3 = b3 + 1
			WHERE (unit_id, leader, week, prev_week) IN (SELECT unit_id, leader, week, prev_week FROM tree_firsts_weeks LIMIT 1)`},
		{"tree_firsts_weeks", `INSERT INTO tree_firsts_weeks (unit_id, leader, week, prev_week, n, b1, b2, b3, b4, b5, b6)
			VALUES (0, 1, '2019-06-10', '2019-06-03', 5, 0, 0, 0, 0, 0, 5)
			ON CONFLICT (unit_id, leader, week, prev_week) DO UPDATE SET n = tree_firsts_weeks.n + 5, b6 = tree_firsts_weeks.b6 + 5`}, // damaged whether or not the row was there
	} {
		if _, err := st.DB().ExecContext(ctx, damage.sql); err != nil {
			t.Fatal(err)
		}
		if c, _ := st.CheckTotals(ctx, false); c.OK() || strings.Contains(c.String(), damage.table+"：一致") {
			t.Fatalf("a damaged %s was not found:\n%s", damage.table, c)
		}
		if c, err := st.CheckTotals(ctx, true); err != nil || !c.OK() {
			t.Fatalf("not rebuilt: %v\n%s", err, c)
		}
	}
	periodsAgree(t, st, rnd, start, true)
	var byName, whole int
	if err := st.DB().NewRaw(`SELECT coalesce(sum(CASE WHEN t.lectures > 4 * t.speakers THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN t.lectures > 4 * t.speakers THEN 0 ELSE 1 END), 0)
		FROM unit_doubts d JOIN units u ON u.id = d.unit_id JOIN unit_totals t ON t.unit_id = u.id
		WHERE t.lectures > 0 AND (u.members = 0 OR t.speakers > u.members)`).Scan(ctx, &byName, &whole); err != nil {
		t.Fatal(err)
	}
	plans[0] += whole
	plans[1] += byName
}

// periodsAgree compares Figures and TopFigures over random periods with a
// count over the raw lectures, and with lecturers, SpeakerStats of every
// week.
func periodsAgree(t *testing.T, st *store.Store, rnd *rand.Rand, start time.Time, lecturers bool) {
	ctx := context.Background()
	units, err := st.Units(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	type lec struct {
		Unit      int64  `bun:"unit_id"`
		Speaker   string `bun:"speaker"`
		Day       string `bun:"day"`
		Attendees int    `bun:"attendees"`
		Satisfied int    `bun:"satisfied"`
		Surveyed  int    `bun:"surveyed"`
		Leader    int    `bun:"leader"`
		Form      string `bun:"form"`
		Venue     string `bun:"venue"`
		Demo      int    `bun:"demo"`
	}
	var lecs []lec
	if err := st.DB().NewRaw(`SELECT unit_id, speaker, day, attendees, satisfied, surveyed, leader, form, venue, demo FROM lectures
		WHERE withdrawn_at IS NULL`).Scan(ctx, &lecs); err != nil {
		t.Fatal(err)
	}
	path := map[int64]string{}
	members := map[int64]int{}
	for _, u := range units {
		path[u.ID], members[u.ID] = u.Path, u.Members
	}
	var links []struct {
		Unit   int64  `bun:"unit_id"`
		Name   string `bun:"name"`
		Person int64  `bun:"person_id"`
	}
	if err := st.DB().NewRaw("SELECT unit_id, name, person_id FROM speaker_people").Scan(ctx, &links); err != nil {
		t.Fatal(err)
	}
	person := map[string]string{} // a linked name's person
	for _, l := range links {
		person[fmt.Sprint(l.Unit, "\x00", l.Name)] = fmt.Sprint("p", l.Person)
	}
	names := map[int64]map[string]bool{} // a unit's lecturers of the whole campaign
	for _, l := range lecs {
		if names[l.Unit] == nil {
			names[l.Unit] = map[string]bool{}
		}
		names[l.Unit][l.Speaker] = true
	}
	covered := func(u int64) bool { return members[u] > 0 && len(names[u]) <= members[u] }
	brute := func(root string, from, to string) dangke.Figures {
		var f dangke.Figures
		spk, lead, cov := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, l := range lecs {
			p := path[l.Unit]
			if (root != "" && p != root && !strings.HasPrefix(p, root+"/")) || l.Day < from || l.Day > to {
				continue
			}
			f.Lectures++
			f.Attendees += l.Attendees
			f.Satisfied += l.Satisfied
			f.Surveyed += l.Surveyed
			key := fmt.Sprint(l.Unit, "\x00", l.Speaker)
			if p, ok := person[key]; ok {
				key = p // a person counts once at every level that holds their names
			}
			if !spk[key] {
				spk[key] = true
				f.Speakers++
			}
			if covered(l.Unit) && !cov[key] {
				cov[key] = true
				f.CoveredSpeakers++
			}
			if l.Leader == 1 && !lead[key] {
				lead[key] = true
				f.Leaders++
			}
		}
		// The members, those of covered units, and the units left out:
		// over (more lecturers of the campaign than members) or unset (a
		// branch with no member count, or another unit with none and
		// lectures of its own), whatever the period.
		for _, u := range units {
			if root != "" && u.Path != root && !strings.HasPrefix(u.Path, root+"/") {
				continue
			}
			f.Members += u.Members
			switch {
			case covered(u.ID):
				f.CoveredMembers += u.Members
			case u.Members > 0:
				f.Over.N++
			case u.Kind == dangke.KindBranch || len(names[u.ID]) > 0:
				f.Unset.N++
			}
		}
		return f
	}
	// shows counts a subtree's lectures by form and 示范宣讲 by venue, as
	// Shows does, from the raw lectures.
	shows := func(root string, from, to string) dangke.Shows {
		var s dangke.Shows
		s.Add("", "", false, 0)
		for _, l := range lecs {
			p := path[l.Unit]
			if (root != "" && p != root && !strings.HasPrefix(p, root+"/")) || l.Day < from || l.Day > to {
				continue
			}
			s.Add(l.Venue, l.Form, l.Demo != 0, 1)
		}
		return s
	}
	if lecturers {
		raw := make([]rawLecture, len(lecs))
		for i, l := range lecs {
			raw[i] = rawLecture{l.Unit, l.Speaker, l.Day, l.Attendees, l.Satisfied, l.Surveyed, l.Leader}
		}
		speakerStatsAgree(t, st, units, start, raw, func(unit int64, name string) int64 {
			for _, l := range links {
				if l.Unit == unit && l.Name == name {
					return l.Person
				}
			}
			return 0
		})
	}
	pick := func(f dangke.Figures) [11]int {
		return [11]int{f.Lectures, f.Speakers, f.Leaders, f.Attendees, f.Satisfied, f.Surveyed, f.CoveredSpeakers,
			f.Members, f.CoveredMembers, f.Over.N, f.Unset.N}
	}
	monday := start.AddDate(0, 0, 2) // 2019-06-03
	periods := []dangke.Period{
		dangke.Week(monday.AddDate(0, 0, 7*rnd.IntN(8))),                                                                      // one week
		{From: monday.AddDate(0, 0, 7), To: monday.AddDate(0, 0, 7*(2+rnd.IntN(4))-1)},                                        // whole weeks
		{From: time.Date(2019, 7, 1, 0, 0, 0, 0, start.Location()), To: time.Date(2019, 7, 31, 0, 0, 0, 0, start.Location())}, // a month
		{From: start.AddDate(0, 0, rnd.IntN(20)), To: start.AddDate(0, 0, 20+rnd.IntN(40))},                                   // edges on both sides
		{From: start.AddDate(0, 0, 10), To: start.AddDate(0, 0, 10+rnd.IntN(6))},                                              // days inside one week
		// Several whole weeks after a first day on any weekday: the week
		// tables' weekday columns say which previous days are before it.
		{From: start.AddDate(0, 0, 9+rnd.IntN(7)), To: start.AddDate(0, 0, 44+rnd.IntN(30))},
	}
	for _, p := range append(periods, dangke.Period{}) {
		from, to := p.From.Format(dangke.DateLayout), p.To.Format(dangke.DateLayout)
		if p.IsZero() {
			from, to = "", "9"
			for _, u := range append([]dangke.Unit{{}}, units...) {
				got, err := st.Shows(ctx, u.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				if w := shows(u.Path, from, to); fmt.Sprint(got) != fmt.Sprint(w) {
					t.Fatalf("%q campaign: shows %v, recounted %v", u.Path, got, w)
				}
				f, err := st.Figures(ctx, u.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := pick(f), pick(brute(u.Path, from, to)); g != w {
					t.Fatalf("%q campaign: figures %v, recounted %v", u.Path, g, w)
				}
			}
			tops, err := st.TopFigures(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, tf := range tops {
				if g, w := pick(tf.Figures), pick(brute(tf.Unit.Path, from, to)); g != w {
					t.Fatalf("top %q campaign: figures %v, recounted %v", tf.Unit.Path, g, w)
				}
			}
			continue
		}
		for _, u := range append([]dangke.Unit{{}}, units...) {
			got, err := st.Figures(ctx, u.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := pick(got), pick(brute(u.Path, from, to)); g != w {
				t.Fatalf("%q %s..%s: figures %v, recounted %v", u.Path, from, to, g, w)
			}
			s, err := st.Shows(ctx, u.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			if w := shows(u.Path, from, to); fmt.Sprint(s) != fmt.Sprint(w) {
				t.Fatalf("%q %s..%s: shows %v, recounted %v", u.Path, from, to, s, w)
			}
			n, err := st.LectureCount(ctx, u.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			if w := brute(u.Path, from, to).Lectures; n != w {
				t.Fatalf("%q %s..%s: %d lectures counted, %d recounted", u.Path, from, to, n, w)
			}
		}
		city, tops, err := st.CityFigures(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := pick(city), pick(brute("", from, to)); g != w {
			t.Fatalf("city %s..%s: CityFigures %v, recounted %v", from, to, g, w)
		}
		for _, tf := range tops {
			if g, w := pick(tf.Figures), pick(brute(tf.Unit.Path, from, to)); g != w {
				t.Fatalf("top %q %s..%s: figures %v, recounted %v", tf.Unit.Path, from, to, g, w)
			}
		}
	}
}

// speakerStatsAgree compares SpeakerStats, for every week of the random
// campaign, of the province and of each reporting unit, with each
// lecturer's activity counted from the raw lectures: the weeks before the
// last have lecturers who lectured since (counted from their lectures),
// the others are read from the kept speakers rows.
func speakerStatsAgree(t *testing.T, st *store.Store, units []dangke.Unit, start time.Time, lectures []rawLecture, person func(int64, string) int64) {
	ctx := context.Background()
	monday := start.AddDate(0, 0, 2) // 2019-06-03
	for w := -1; w < 10; w++ {
		week := dangke.Week(monday.AddDate(0, 0, 7*w))
		mon, sun := week.From.Format(dangke.DateLayout), week.To.Format(dangke.DateLayout)
		prevMon, prevSun := week.From.AddDate(0, 0, -7).Format(dangke.DateLayout), week.From.AddDate(0, 0, -1).Format(dangke.DateLayout)
		for _, top := range append([]dangke.Unit{{}}, units...) {
			if top.ParentID != 0 {
				continue
			}
			in := map[int64]bool{}
			for _, u := range units {
				if top.ID == 0 || u.TopID == top.ID {
					in[u.ID] = true
				}
			}
			type key struct {
				unit int64
				name string
			}
			want := map[key]*dangke.SpeakerStat{}
			for _, l := range lectures {
				if !in[l.unit] || l.day > sun {
					continue
				}
				k := key{l.unit, l.speaker}
				r := want[k]
				if r == nil {
					r = &dangke.SpeakerStat{UnitID: l.unit, First: l.day, Last: l.day, Person: person(l.unit, l.speaker)}
					want[k] = r
				}
				r.First, r.Last = min(r.First, l.day), max(r.Last, l.day)
				r.Lectures++
				r.ThisWeek += b2i(l.day >= mon)
				r.LastWeek += b2i(l.day >= prevMon && l.day <= prevSun)
				r.Attendees += l.attendees
				r.Satisfied += l.satisfied
				r.Surveyed += l.surveyed
				r.Leader = r.Leader || l.leader != 0
			}
			var w, got []string
			for _, r := range want {
				w = append(w, fmt.Sprintf("%+v", *r))
			}
			err := st.SpeakerStats(ctx, week, top.ID, func(r dangke.SpeakerStat) error {
				got = append(got, fmt.Sprintf("%+v", r))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(w)
			slices.Sort(got)
			if !slices.Equal(got, w) {
				t.Fatalf("speaker stats of %q, week of %s:\n%s\ncounted from the lectures:\n%s", top.Path, mon, strings.Join(got, "\n"), strings.Join(w, "\n"))
			}
		}
	}
}

// rawLecture is an active lecture as the database holds it.
type rawLecture struct {
	unit                                   int64
	speaker, day                           string
	attendees, satisfied, surveyed, leader int
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
