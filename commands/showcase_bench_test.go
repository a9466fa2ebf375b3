package commands_test

import (
	"context"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// BenchmarkShows reads the 示范宣讲 and form counts that /统计 adds (Shows)
// beside the figures it already read (Figures), for the city and a county
// of the million-lecture city, over the whole campaign and a month (whole
// weeks from unit_shows, edge days from the lectures).
func BenchmarkShows(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, seedCity(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	county, err := st.UnitByPath(ctx, "第3县")
	if err != nil {
		b.Fatal(err)
	}
	month := dangke.Period{From: time.Date(2019, 9, 1, 0, 0, 0, 0, shanghai), To: time.Date(2019, 9, 30, 0, 0, 0, 0, shanghai)}
	for _, c := range []struct {
		name string
		unit int64
		p    dangke.Period
	}{{"city", 0, dangke.Period{}}, {"city/month", 0, month}, {"county", county.ID, dangke.Period{}}, {"county/month", county.ID, month}} {
		b.Run(c.name+"/shows", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Shows(ctx, c.unit, c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/figures", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Figures(ctx, c.unit, c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
