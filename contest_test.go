package dangke

import (
	"testing"
)

func TestParsePoints(t *testing.T) {
	for in, want := range map[string]Points{"4": 400, "4.5": 450, "4.50": 450, "0.05": 5, "0": 0, "10.00": 1000, " 1.9 ": 190} {
		if got, ok := ParsePoints(in); !ok || got != want {
			t.Errorf("%q = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "4.555", "-1", "+1", "a", "4.", ".5", "1e2", "4,5", "1.2.3", "４.５"} {
		if _, ok := ParsePoints(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckScores(t *testing.T) {
	r := DefaultRubric()
	if got, err := r.CheckScores([]string{"4.5", "1.8", "1.9", "0.9"}); err != nil || got[0] != 450 || got[3] != 90 {
		t.Fatalf("%v %v", got, err)
	}
	for _, tc := range []struct {
		in    []string
		field string
	}{
		{[]string{"4.555", "1", "1", "1"}, "授课内容"},
		{[]string{"5.5", "1", "1", "1"}, "授课内容"},
		{[]string{"5", "-1", "1", "1"}, "语言教态"},
		{[]string{"5", "2", "abc", "1"}, "教学技能"},
		{[]string{"5", "2", "2", "1.01"}, "现场效果"},
	} {
		_, err := r.CheckScores(tc.in)
		if ErrorField(err) != tc.field {
			t.Errorf("%v: %v (field %q)", tc.in, err, ErrorField(err))
		}
	}
	if _, err := r.CheckScores([]string{"5", "2"}); ErrorCode(err) != EINVALID {
		t.Errorf("two scores: %v", err)
	}
}

// Hand-checked cases of 附件3: drop one highest and one lowest, average the
// rest, round half up to two decimals.
func TestFinal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		totals []Points
		want   Points
		ok     bool
	}{
		{"two judges are not enough", []Points{900, 800}, 0, false},
		{"three judges: the middle one", []Points{900, 850, 800}, 850, true},
		{"all judges equal", []Points{912, 912, 912, 912, 912}, 912, true},
		{"five judges", []Points{950, 910, 880, 870, 700}, 887, true},                                // (910+880+870)/3 = 886.67 → 8.87
		{"half way rounds up", []Points{990, 815, 810, 700}, 813, true},                              // (815+810)/2 = 812.5 → 8.13
		{"just below half rounds down", []Points{990, 816, 810, 811, 700}, 812, true},                // 2437/3 = 812.33
		{"thirds", []Points{1000, 901, 900, 900, 0}, 900, true},                                      // 2701/3 = 900.33
		{"two thirds", []Points{1000, 902, 900, 900, 0}, 901, true},                                  // 2702/3 = 900.67
		{"eleven judges", []Points{1000, 990, 980, 970, 960, 950, 940, 930, 920, 910, 0}, 950, true}, // 8550/9
		{"zeros", []Points{0, 0, 0}, 0, true},
		{"full marks", []Points{1000, 1000, 1000}, 1000, true},
	} {
		got, ok := Final(tc.totals, 3)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Final(%v) = %v, %v; want %v, %v", tc.name, tc.totals, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRank(t *testing.T) {
	finals := map[int64]Points{1: 900, 2: 950, 3: 900, 4: 800, 5: 900}
	st := Rank(finals, nil, 2)
	want := []struct {
		id   int64
		rank int
		tied bool
		top  bool
	}{{2, 1, false, true}, {1, 2, true, false}, {3, 2, true, false}, {5, 2, true, false}, {4, 5, false, false}}
	for i, w := range want {
		if s := st[i]; s.ID != w.id || s.Rank != w.rank || s.Tied != w.tied || s.TopList != w.top {
			t.Errorf("place %d: %+v, want %+v", i, s, w)
		}
	}
	// The committee orders the tie: ranks follow its order.
	st = Rank(finals, map[int64]int{5: 1, 1: 2, 3: 3}, 2)
	for i, w := range []struct {
		id   int64
		rank int
		top  bool
	}{{2, 1, true}, {5, 2, true}, {1, 3, false}, {3, 4, false}, {4, 5, false}} {
		if s := st[i]; s.ID != w.id || s.Rank != w.rank || s.Tied || s.TopList != w.top {
			t.Errorf("ruled place %d: %+v, want %+v", i, s, w)
		}
	}
	// A ruling that names only part of a tie does not break it.
	st = Rank(finals, map[int64]int{5: 1}, 2)
	if !st[1].Tied || st[1].Rank != 2 {
		t.Errorf("partial ruling broke the tie: %+v", st)
	}
}

// FuzzContest checks the invariants of the arithmetic for any scores: the
// final lies between the lowest and highest totals and within 0..10; ranks
// never increase with the final, and equal finals share a rank.
func FuzzContest(f *testing.F) {
	f.Add([]byte{45, 18, 19, 9, 50, 20, 20, 10, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := DefaultRubric()
		var totals []Points
		for i := 0; i+4 <= len(raw) && len(totals) < 15; i += 4 {
			var tot Points
			for k, c := range r.Criteria {
				tot += Points(raw[i+k]) * 100 % (c.Max + 1)
			}
			totals = append(totals, tot)
		}
		final, ok := Final(totals, 3)
		if !ok {
			if len(totals) >= 3 {
				t.Fatalf("no final for %d judges", len(totals))
			}
			return
		}
		lo, hi := totals[0], totals[0]
		for _, x := range totals {
			lo, hi = min(lo, x), max(hi, x)
		}
		if final < lo || final > hi || final < 0 || final > r.Total() {
			t.Fatalf("final %v outside [%v, %v]", final, lo, hi)
		}
		finals := map[int64]Points{}
		for i, x := range totals {
			finals[int64(i)] = x
		}
		st := Rank(finals, nil, 10)
		for i := 1; i < len(st); i++ {
			a, b := st[i-1], st[i]
			if a.Final < b.Final || a.Rank > b.Rank || (a.Final == b.Final) != (a.Rank == b.Rank) {
				t.Fatalf("ranking inconsistent: %+v then %+v", a, b)
			}
		}
	})
}
