package commands

import (
	"strings"
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
		{"10月份", jan, "2019-10-01", "2019-10-31", true},
		{"十月", jan, "2019-10-01", "2019-10-31", true},
		{"2019年十二月", jan, "2019-12-01", "2019-12-31", true},
		{"第三季度", now, "2019-07-01", "2019-09-30", true},
		{"三季度", now, "2019-07-01", "2019-09-30", true},
		{"Q3", now, "2019-07-01", "2019-09-30", true},
		{"第四季度", jan, "2019-10-01", "2019-12-31", true},
		{"2019年第四季度", jan, "2019-10-01", "2019-12-31", true},
		{"2019Q2", now, "2019-04-01", "2019-06-30", true},
		{"本季度", now, "2019-07-01", "2019-09-30", true},
		{"上季度", jan, "2019-10-01", "2019-12-31", true},
		{"第五季度", now, "err", "", true},
		{"2019年第四季度", now, "err", "", true}, // not begun on 2019-07-10
		{"2019-W27", now, "2019-07-01", "2019-07-07", true},
		{"今天", now, "2019-07-10", "2019-07-10", true},
		{"昨天", now, "2019-07-09", "2019-07-09", true},
		{"7月1日", now, "2019-07-01", "2019-07-01", true},
		{"2019年8月", now, "err", "", true}, // a month to come
		{"去年", now, "2018-01-01", "2018-12-31", true},
		{"温县", now, "", "", false},
		{"季度", now, "", "", false},
		{"第一党支部", now, "", "", false},
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

// A month or quarter typed without a year is the campaign's: the one that
// has begun, and a month of the campaign still to come is refused as such,
// not read as last year's (12月 on 2026-11-29 was 2025年12月, outside it).
func TestCampaignPeriod(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.ParseInLocation(dangke.DateLayout, s, now.Location()); return d }
	c := &Call{Now: day("2026-11-29").Add(10 * time.Hour), r: &Router{cfg: Config{Campaign: dangke.Campaign{Start: day("2026-06-01"), End: day("2026-12-31")}}}}
	for in, want := range map[string]string{"12月": "2026年12月", "7月": "2026年7月", "七月份": "2026年7月", "十二月": "2026年12月", "3月": "2026年3月", "第三季度": "2026年第三季度",
		"第四季度": "2026年第四季度", "第一季度": "第一季度", "7月1日": "2026-07-01", "本月": "本月"} {
		if got := c.campaignPeriod(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if _, _, err := parsePeriod(c.campaignPeriod("12月"), c.Now); err == nil || !strings.Contains(dangke.ErrorMessage(err), "还没有开始") {
		t.Errorf("12月: %v", err)
	}
}

// A value left for the unit that is a period no unit could be named
// (下个月, 下周) is refused as a period, with what a period may be.
func TestLooksLikePeriod(t *testing.T) {
	for v, want := range map[string]bool{"下个月": true, "下周": true, "明天": true, "第五季度": true, "温县": false,
		"温县/城关镇": false, "五月村": false, "第一党支部": false} {
		if looksLikePeriod(v) != want {
			t.Errorf("%s: %v", v, !want)
		}
	}
}
