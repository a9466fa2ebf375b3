package seed_test

import (
	"context"
	"path/filepath"
	"testing"

	"dangke/internal/seed"
	"dangke/store"
)

// TestProvinceDeterministic seeds the same province twice: the same units,
// lectures and lecturers each time, the lectures' indexes and triggers back
// in place, the kept totals equal to a recount, and a second seed of the
// same database refused.
func TestProvinceDeterministic(t *testing.T) {
	ctx := context.Background()
	var digests [2]string
	for i := range digests {
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := seed.Province(ctx, st, seed.Options{Branches: 850, Lectures: 4_000, Chats: true})
		if err != nil {
			t.Fatal(err)
		}
		if s.Branches != 850 || s.Lectures != 4_000 || s.Counties != 2 || s.Towns != 22 || s.Chats != 24 || s.Instructors != 120 {
			t.Fatalf("stats %+v", s)
		}
		err = st.DB().NewRaw(`SELECT (SELECT group_concat(x, '|') FROM (SELECT path || ':' || members || ':' || ipath AS x FROM units ORDER BY id))
			|| (SELECT sum(length(speaker) * attendees + id * unicode(day) + leader) FROM lectures)
			|| (SELECT group_concat(phone) FROM instructors)`).Scan(ctx, &digests[i])
		if err != nil {
			t.Fatal(err)
		}
		var extras int
		if err := st.DB().NewRaw("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'lectures' AND type IN ('index', 'trigger')").Scan(ctx, &extras); err != nil {
			t.Fatal(err)
		}
		if extras < 4 { // lectures_day, lectures_speaker, lectures_added, lectures_withdrawn
			t.Errorf("%d indexes and triggers on lectures after seeding", extras)
		}
		c, err := st.CheckTotals(ctx, false)
		if err != nil || !c.OK() {
			t.Fatalf("totals after seeding: %v\n%s", err, c)
		}
		if _, err := seed.Province(ctx, st, seed.Options{Branches: 1, Lectures: 1}); err == nil {
			t.Error("a second seed of the same database was not refused")
		}
		_ = st.Close()
	}
	if digests[0] != digests[1] {
		t.Error("two seeds of the same shape differ")
	}
}
