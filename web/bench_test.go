package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/internal/seed"
	"dangke/store"
	"dangke/web"
)

// BenchmarkCityPage serves the city's dashboard page over 10,000 branches
// and 1,000,000 lectures (README: under 300 ms of server time, under 500 KB),
// and a county's.
func BenchmarkCityPage(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "city.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := seed.City(ctx, st); err != nil {
		b.Fatal(err)
	}
	links := &web.Links{Secret: []byte("0123456789abcdef0123456789abcdef"), PublicURL: "http://dash", Store: st}
	clock := time.Date(2019, 9, 18, 10, 0, 0, 0, cst)
	d, err := web.NewDashboard(web.Dashboard{Store: st, Links: links, Campaign: dangke.DefaultCampaign(cst), City: "焦作市", Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	d.Warm(ctx) // as the bot does at start: the deadlines' snapshot is read before the first page
	h := d.Handler()
	county, err := st.UnitByPath(ctx, "第3县")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		unit *dangke.Unit
	}{{"city", nil}, {"county", county}} {
		url, _, _ := links.Link(ctx, c.unit, dangke.ChatRef{Platform: "t", ID: "g"}, clock)
		path := url[len("http://dash"):]
		b.Run(c.name, func(b *testing.B) {
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("%d", rec.Code)
				}
				size = rec.Body.Len()
			}
			if size > 500<<10 {
				b.Fatalf("page weight %d bytes", size)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
	// What is missing for each deadline comes from the digest's snapshot,
	// read at start and again in the background once a minute old: no page
	// waits for it, and this is what each reading costs.
	b.Run("deadlines-snapshot", func(b *testing.B) {
		for b.Loop() {
			d.Warm(ctx)
		}
	})
}
