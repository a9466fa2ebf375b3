package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dangke"
)

// A database from before the lecturers' first and latest days were kept
// (migration 20261202001000) gets them, and their attendance, from its
// lectures when it is opened: check-totals then finds every kept table
// equal to a recount, a withdrawn lecture left out.
func TestSpeakerDaysMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedBefore(t, path, "20261202001000")
	for _, q := range []string{
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at, ipath) VALUES (1, NULL, 1, '温县', '温县', 1, 'county', 0, 0, '/1/')`,
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at, ipath) VALUES (2, 1, 1, '第一党支部', '温县/第一党支部', 2, 'branch', 20, 0, '/1/2/')`,
		`INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, satisfied, surveyed, leader, author, chat, created_at) VALUES
			(2, '张三', '党员', '《一》', '2019-07-03', 20, 18, 20, 0, 'x', 'x', 0),
			(2, '张三', '书记', '《二》', '2019-07-10', 30, 25, 30, 1, 'x', 'x', 0),
			(2, '张三', '党员', '《三》', '2019-08-01', 40, 0, 0, 0, 'x', 'x', 0),
			(2, '李四', '党员', '《四》', '2019-07-05', 15, 0, 0, 0, 'x', 'x', 0),
			(1, '王五', '县委书记', '《五》', '2019-06-30', 50, 45, 50, 1, 'x', 'x', 0)`,
		`UPDATE lectures SET withdrawn_at = 1, withdrawn_by = 'x' WHERE title = '《三》'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.CheckTotals(ctx, false); err != nil || !c.OK() {
		t.Fatalf("after the migration: %v\n%s", err, c)
	}
	var first, last string
	var n, att, sat, sur int
	if err := s.db.NewRaw("SELECT first_day, last_day, lectures, attendees, satisfied, surveyed FROM speakers WHERE unit_id = 2 AND name = '张三'").
		Scan(ctx, &first, &last, &n, &att, &sat, &sur); err != nil {
		t.Fatal(err)
	}
	if first != "2019-07-03" || last != "2019-07-10" || n != 2 || att != 50 || sat != 43 || sur != 50 {
		t.Fatalf("张三: %s~%s, %d lectures, %d/%d/%d", first, last, n, att, sat, sur)
	}
}

// TestUnsetBucketsMigration opens a database of before migration
// 20261203001000 holding unset branches with lectures, a withdrawn one
// among them: the migration puts each in its reporting unit's bucket and
// fills the buckets' subtree totals, which a recount then finds equal, and
// unit_doubts no longer lists the unset branches, whose lecturers the
// figures still leave out of coverage.
func TestUnsetBucketsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedBefore(t, path, "20261203001000")
	for _, q := range []string{
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at) VALUES (1, NULL, 0, '温县', '温县', 1, 'county', 0, 0)`,
		`UPDATE units SET ipath = '/1/', top_id = 1 WHERE id = 1`,
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at) VALUES (2, 1, 1, '一支部', '温县/一支部', 2, 'branch', 0, 0)`,
		`UPDATE units SET ipath = '/1/2/' WHERE id = 2`,
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at) VALUES (3, 1, 1, '二支部', '温县/二支部', 2, 'branch', 5, 0)`,
		`UPDATE units SET ipath = '/1/3/' WHERE id = 3`,
		`INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, satisfied, surveyed, leader, author, chat, created_at) VALUES
			(2, '张三', '书记', '《一》', '2019-07-03', 20, 18, 20, 1, 'x', 'x', 0),
			(2, '张三', '书记', '《二》', '2019-07-10', 30, 25, 30, 1, 'x', 'x', 0),
			(2, '李四', '党员', '《三》', '2019-08-01', 40, 0, 0, 0, 'x', 'x', 0),
			(3, '王五', '党员', '《四》', '2019-07-05', 15, 0, 0, 0, 'x', 'x', 0)`,
		`UPDATE lectures SET withdrawn_at = 1, withdrawn_by = 'x' WHERE title = '《三》'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var listed int
	if err := db.NewRaw("SELECT count(*) FROM unit_doubts WHERE unit_id = 2").Scan(ctx, &listed); err != nil || listed != 1 {
		t.Fatalf("before: unit_doubts lists the unset branch %d times, %v", listed, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.CheckTotals(ctx, false); err != nil || !c.OK() {
		t.Fatalf("after the migration: %v\n%s", err, c)
	}
	if err := s.db.NewRaw("SELECT count(*) FROM unit_doubts WHERE unit_id = 2").Scan(ctx, &listed); err != nil || listed != 0 {
		t.Fatalf("after: unit_doubts lists the unset branch %d times, %v", listed, err)
	}
	for _, p := range []dangke.Period{{}, {From: time.Date(2019, 7, 1, 0, 0, 0, 0, time.Local), To: time.Date(2019, 7, 7, 0, 0, 0, 0, time.Local)}} {
		f, err := s.Figures(ctx, 1, p)
		if err != nil {
			t.Fatal(err)
		}
		// 张三 of the unset branch is left out; 王五 of 二支部 is covered.
		if f.Speakers != 2 || f.CoveredSpeakers != 1 || f.CoveredMembers != 5 || f.Unset.N != 1 || len(f.Unset.Units) != 1 {
			t.Fatalf("%v: %+v", p, f)
		}
	}
}
