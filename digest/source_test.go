package digest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"dangke"
	"dangke/digest"
	"dangke/internal/seed"
	"dangke/store"
)

// TestSourceAgrees builds every unit's digest and the city's from a Source
// (one reporting unit read at a time; some asked for out of order) and
// checks each equals the digest built from the whole province at once.
func TestSourceAgrees(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := seed.Province(ctx, st, seed.Options{Branches: 1700, Lectures: 30000}); err != nil {
		t.Fatal(err)
	}
	week := dangke.Week(day(9, 16))
	// 示范宣讲 of the week in every county: each county's digest lists its own.
	rows, err := st.DB().QueryContext(ctx, "SELECT id FROM lectures WHERE day >= '2019-09-16' AND day <= '2019-09-22' AND id % 7 = 0")
	if err != nil {
		t.Fatal(err)
	}
	var demos []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		demos = append(demos, id)
	}
	rows.Close()
	if err := st.Update(ctx, func(tx dangke.Tx) error {
		for _, id := range demos {
			if err := tx.SetDemo(ctx, id, true); err != nil {
				return err
			}
		}
		return nil
	}); err != nil || len(demos) < 10 {
		t.Fatal(len(demos), err)
	}
	// Names of one person in two reporting units (a move leaves them so):
	// the city counts them once, though no reporting unit holds both.
	var pairs []struct {
		A    int64  `bun:"a"`
		B    int64  `bun:"b"`
		Name string `bun:"name"`
	}
	if err := st.DB().NewRaw(`SELECT x.unit_id AS a, y.unit_id AS b, x.name FROM speakers x JOIN speakers y ON y.name = x.name
		JOIN units ux ON ux.id = x.unit_id JOIN units uy ON uy.id = y.unit_id
		WHERE ux.top_id < uy.top_id ORDER BY x.unit_id, y.unit_id LIMIT 30`).Scan(ctx, &pairs); err != nil || len(pairs) < 10 {
		t.Fatal(len(pairs), err)
	}
	if err := st.Update(ctx, func(tx dangke.Tx) error {
		for _, p := range pairs {
			if err := tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: p.A, Name: p.Name}, dangke.SpeakerRef{UnitID: p.B, Name: p.Name}, true, week.From); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c, rubric := dangke.DefaultCampaign(cst), dangke.DefaultRubric()
	whole, err := digest.Collect(ctx, st, c, "全省", rubric, week, week.To.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingReader{Reader: st}
	src, err := digest.NewSource(ctx, counted, c, "全省", rubric, week, week.To.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	units, err := st.Units(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// In path order, then a few again out of order, then the city.
	order := make([]*dangke.Unit, 0, len(units)+4)
	for i := range units {
		order = append(order, &units[i])
	}
	order = append(order, &units[0], &units[len(units)/2], nil)
	tops := 0
	for _, u := range order {
		if u != nil && u.ParentID == 0 {
			tops++
		}
		snap, err := src.For(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := snap.Build(u, false), whole.Build(u, false); got != want {
			t.Fatalf("%v: streamed\n%s\nwhole\n%s", u, got.Text, want.Text)
		}
		if got, want := fmt.Sprint(snap.Named(u)), fmt.Sprint(whole.Named(u)); got != want {
			t.Fatalf("%v: streamed names %s, whole %s", u, got, want)
		}
	}
	if tops < 3 {
		t.Fatalf("%d reporting units: the test needs several", tops)
	}
	// The week's 示范宣讲 and excellent lectures are read once a run, not
	// once a reporting unit (each such read scans the province's week).
	if counted.demos != 1 || counted.excellents != 1 {
		t.Errorf("示范宣讲 read %d times, excellent lectures %d times; want once each", counted.demos, counted.excellents)
	}
	shown := false
	for _, u := range units {
		if u.ParentID == 0 && strings.Contains(whole.Build(&u, false).Text, "本周示范宣讲") {
			shown = true
		}
	}
	if !shown {
		t.Error("no county's digest lists its 示范宣讲: the test checks nothing")
	}
}

// countingReader counts the reads of the week's showcase.
type countingReader struct {
	dangke.Reader
	demos, excellents int
}

func (c *countingReader) DemoLectures(ctx context.Context, unit int64, p dangke.Period) ([]dangke.Lecture, error) {
	c.demos++
	return c.Reader.DemoLectures(ctx, unit, p)
}

func (c *countingReader) Excellents(ctx context.Context, unit int64, marked dangke.Period) ([]dangke.Excellent, error) {
	c.excellents++
	return c.Reader.Excellents(ctx, unit, marked)
}

// BenchmarkProvinceDigests builds the digest of every unit of a seeded
// province and the city's through a Source, reporting the Go heap's peak
// (runtime/metrics, sampled after each reporting unit) beside the time.
func BenchmarkProvinceDigests(b *testing.B) {
	ctx := context.Background()
	path := provincePath(b)
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	week := dangke.Week(day(9, 16))
	c, rubric := dangke.DefaultCampaign(cst), dangke.DefaultRubric()
	units, err := st.Units(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(units))
	kinds := make([]bool, len(units))
	for i := range units {
		ids[i], kinds[i] = units[i].ID, units[i].ParentID == 0
	}
	units = nil
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	peak := uint64(0)
	for b.Loop() {
		src, err := digest.NewSource(ctx, st, c, "全省", rubric, week, week.To.AddDate(0, 0, 1))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for i, id := range ids {
			u, err := st.UnitByID(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			snap, err := src.For(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			if snap.Build(u, false).Text != "" {
				n++
			}
			if kinds[i] || i%1000 == 0 {
				metrics.Read(sample)
				peak = max(peak, sample[0].Value.Uint64())
			}
		}
		snap, err := src.For(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if snap.Build(nil, false).Text == "" || n != len(ids) {
			b.Fatal("digests missing")
		}
	}
	b.ReportMetric(float64(len(ids)+1), "digests/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// provincePath is BENCH_PROVINCE_DIR/p<BENCH_PROVINCE_SIZE>.db when both
// are set (made by dangke seed), else a province of 1,000 branches and
// 100,000 lectures seeded here.
func provincePath(b *testing.B) string {
	if dir, n := os.Getenv("BENCH_PROVINCE_DIR"), os.Getenv("BENCH_PROVINCE_SIZE"); dir != "" && n != "" {
		return filepath.Join(dir, "p"+n+".db")
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "p.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := seed.Province(ctx, st, seed.Options{Branches: 1000, Lectures: 100000, Chats: true}); err != nil {
		b.Fatal(err)
	}
	return path
}
