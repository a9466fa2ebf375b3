package commands

import (
	"testing"
	"time"

	"dangke"
)

// Periods as people name them; names that merely contain a separator are
// not periods.
func TestParsePeriod(t *testing.T) {
	jan := time.Date(2020, 1, 9, 10, 0, 0, 0, now.Location())
	for _, tc := range []struct {
		in       string
		at       time.Time
		from, to string // "" with ok false: not a period; "err": a period with an error
		ok       bool
	}{
		{"7月", now, "2019-07-01", "2019-07-31", true},
		{"12月", jan, "2019-12-01", "2019-12-31", true},
		{"1月", jan, "2020-01-01", "2020-01-31", true},
		{"2019年7月", now, "2019-07-01", "2019-07-31", true},
		{"2019-07", now, "2019-07-01", "2019-07-31", true},
		{"2019.7", now, "2019-07-01", "2019-07-31", true},
		{"2019年", now, "2019-01-01", "2019-12-31", true},
		{"2019.7.1-2019.7.31", now, "2019-07-01", "2019-07-31", true},
		{"2019-07-01-2019-07-07", now, "2019-07-01", "2019-07-07", true},
		{"2019-07-01~2019-07-07", now, "2019-07-01", "2019-07-07", true},
		{"7月1日至7月8日", now, "2019-07-01", "2019-07-08", true},
		{"上周", now, "2019-07-01", "2019-07-07", true},
		{"本月", now, "2019-07-01", "2019-07-31", true},
		{"上月", jan, "2019-12-01", "2019-12-31", true},
		{"13月", now, "err", "", true},
		{"2019-07-08至2019-07-01", now, "err", "", true},
		{"2019-07-01~明年", now, "err", "", true},
		{"温县", now, "", "", false},
		{"到家村", now, "", "", false},
		{"温县-城关镇", now, "", "", false},
	} {
		p, ok, err := parsePeriod(tc.in, tc.at)
		if ok != tc.ok {
			t.Errorf("%s: period %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if tc.from == "err" {
			if err == nil {
				t.Errorf("%s: no error", tc.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !ok {
			continue
		}
		if got := p.From.Format(dangke.DateLayout) + " " + p.To.Format(dangke.DateLayout); got != tc.from+" "+tc.to {
			t.Errorf("%s: %s, want %s %s", tc.in, got, tc.from, tc.to)
		}
	}
}
