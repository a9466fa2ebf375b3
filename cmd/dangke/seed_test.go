package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"dangke/store"
)

// TestSeedAndCheckTotals seeds a small province, refuses to seed it again
// (or any database with units), finds a kept total put wrong by hand with
// check-totals and repairs it with --fix.
func TestSeedAndCheckTotals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	out, _, err := run(t, nil, "seed", "--branches", "90", "--lectures", "3000", "--db", path)
	if err != nil || !strings.Contains(out, "90 个党支部，3000 次党课") {
		t.Fatalf("seed: %q %v", out, err)
	}
	if _, _, err := run(t, nil, "seed", "--branches", "10", "--lectures", "10", "--db", path); err == nil || !strings.Contains(err.Error(), "只写入空数据库") {
		t.Fatalf("seeding a database with data: %v", err)
	}
	real := filepath.Join(t.TempDir(), "real.db")
	newDB(t, real)
	if _, _, err := run(t, nil, "seed", "--db", real); err == nil || !strings.Contains(err.Error(), "只写入空数据库") {
		t.Fatalf("seeding a deployment: %v", err)
	}
	if out, _, err := run(t, nil, "check-totals", "--db", path); err != nil || !strings.Contains(out, "一致。") {
		t.Fatalf("check-totals: %q %v", out, err)
	}
	db, err := sql.Open("sqlite", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE unit_weeks SET attendees = attendees + 1 WHERE unit_id = (SELECT min(unit_id) FROM unit_weeks)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM week_speakers WHERE unit_id = (SELECT max(unit_id) FROM week_speakers)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	out, _, err = run(t, nil, "check-totals", "--db", path)
	if err == nil || !strings.Contains(out, "unit_weeks：") || !strings.Contains(out, "week_speakers：") || !strings.Contains(out, "与党课记录不符") {
		t.Fatalf("check-totals after damage: %q %v", out, err)
	}
	if out, _, err := run(t, nil, "check-totals", "--fix", "--db", path); err != nil || !strings.Contains(out, "现在一致") {
		t.Fatalf("check-totals --fix: %q %v", out, err)
	}
	if out, _, err := run(t, nil, "check-totals", "--db", path); err != nil || !strings.Contains(out, "一致。") {
		t.Fatalf("check-totals after fix: %q %v", out, err)
	}
}
