package main

import (
	"testing"
	"time"

	"dangke"
)

// The built-in calendar (lunar-go) holds the official 2019 and 2026
// calendars that config.example.yaml lists, and the config's lists win.
func TestCalendarDefaults(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	d := func(s string) time.Time { x, _ := time.ParseInLocation(dangke.DateLayout, s, loc); return x }
	c, err := calendar(d("2019-06-01"), d("2019-12-31"), nil, nil, loc)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]bool{"2019-09-29": true, "2019-10-07": false, "2019-10-08": true, "2019-10-12": true, "2019-09-13": false} {
		if got := c.Workday(d(day)); got != want {
			t.Errorf("2019: Workday(%s) = %v", day, got)
		}
	}
	c, err = calendar(d("2026-01-01"), d("2026-12-31"), []string{"2026-07-01"}, []string{"2026-10-07"}, loc)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]bool{"2026-02-14": true, "2026-02-23": false, "2026-07-01": false, "2026-10-07": true, "2026-10-10": true} {
		if got := c.Workday(d(day)); got != want {
			t.Errorf("2026: Workday(%s) = %v", day, got)
		}
	}
	if _, err := calendar(d("2026-01-01"), d("2026-12-31"), []string{"10月1日"}, nil, loc); err == nil {
		t.Error("a bad date is accepted")
	}
}
