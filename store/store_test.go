package store_test

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"dangke"
	"dangke/internal/dbtest"
	"dangke/store"
)

// template is the migrated SQLite database that open copies.
var template dbtest.Template

// TestMain removes the template after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	template.Remove()
	os.Exit(code)
}

// open opens a fresh database of the engine the test runs over (see eachDB):
// for SQLite, a copy of a database migrated once.
func open(t testing.TB) *store.Store {
	t.Helper()
	path := dbPath(t, "test.db")
	if !isPostgres(t) {
		path = template.Fresh(t, "test.db")
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var day = func(s string) time.Time {
	d, err := time.Parse(dangke.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

// addPath creates every missing unit along path and returns the last one.
func addPath(t testing.TB, s *store.Store, path string, members int) *dangke.Unit {
	t.Helper()
	ctx := context.Background()
	names, err := dangke.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	var last *dangke.Unit
	err = s.Update(ctx, func(tx dangke.Tx) error {
		var parent int64
		for i := range names {
			p := dangke.JoinPath(names[:i+1])
			u, err := tx.UnitByPath(ctx, p)
			if dangke.ErrorCode(err) == dangke.ENOTFOUND {
				u = &dangke.Unit{ParentID: parent, Name: names[i], Kind: dangke.InferUnitKind(i+1, names[i])}
				if i == len(names)-1 {
					u.Members = members
				}
				err = tx.AddUnit(ctx, u)
			}
			if err != nil {
				return err
			}
			parent, last = u.ID, u
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

func addLecture(t testing.TB, s *store.Store, l dangke.Lecture) int64 {
	t.Helper()
	ctx := context.Background()
	if l.Author == "" {
		l.Author = "console:admin"
	}
	if l.Form == "" {
		l.Form = "普通"
	}
	err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &l) })
	if err != nil {
		t.Fatal(err)
	}
	return l.ID
}

func TestFiguresRollUp(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b1 := addPath(t, s, "温县/城关镇/第一党支部", 10)
		b2 := addPath(t, s, "温县/城关镇/第二党支部", 20)
		b3 := addPath(t, s, "孟州市/机关党支部", 5)
		town, _ := s.UnitByPath(ctx, "温县/城关镇")
		county, _ := s.UnitByPath(ctx, "温县")
		if county.Kind != dangke.KindCounty || b1.Kind != dangke.KindBranch || town.Kind != dangke.KindOrg {
			t.Fatalf("kinds: %v %v %v", county.Kind, town.Kind, b1.Kind)
		}
		if b1.TopID != county.ID || b3.TopID == county.ID {
			t.Fatalf("top ids: %d %d %d", b1.TopID, b3.TopID, county.ID)
		}
		addLecture(t, s, dangke.Lecture{UnitID: b1.ID, Speaker: "张三", Position: "支部书记", Title: "a", Date: day("2019-07-01"), Attendees: 40, Leader: true, Satisfied: 38, Surveyed: 40})
		addLecture(t, s, dangke.Lecture{UnitID: b1.ID, Speaker: "张三", Position: "支部书记", Title: "b", Date: day("2019-07-08"), Attendees: 30})
		id3 := addLecture(t, s, dangke.Lecture{UnitID: b2.ID, Speaker: "张三", Position: "党员", Title: "c", Date: day("2019-07-08"), Attendees: 20, Satisfied: 10, Surveyed: 20})
		addLecture(t, s, dangke.Lecture{UnitID: b3.ID, Speaker: "李四", Position: "党员", Title: "d", Date: day("2019-07-09"), Attendees: 5})

		check := func(name string, unit int64, p dangke.Period, want dangke.Figures) {
			t.Helper()
			got, err := s.Figures(ctx, unit, p)
			if err != nil {
				t.Fatal(err)
			}
			// Every unit here has a member count: coverage is over them all.
			want.CoveredSpeakers, want.CoveredMembers = want.Speakers, want.Members
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
			}
		}
		all := dangke.Period{}
		check("branch1", b1.ID, all, dangke.Figures{Lectures: 2, Speakers: 1, Leaders: 1, Attendees: 70, Satisfied: 38, Surveyed: 40, Members: 10})
		check("county", county.ID, all, dangke.Figures{Lectures: 3, Speakers: 2, Leaders: 1, Attendees: 90, Satisfied: 48, Surveyed: 60, Members: 30})
		check("city", 0, all, dangke.Figures{Lectures: 4, Speakers: 3, Leaders: 1, Attendees: 95, Satisfied: 48, Surveyed: 60, Members: 35})
		week := dangke.Period{From: day("2019-07-08"), To: day("2019-07-14")}
		check("county week", county.ID, week, dangke.Figures{Lectures: 2, Speakers: 2, Leaders: 0, Attendees: 50, Satisfied: 10, Surveyed: 20, Members: 30})
		// The whole-campaign figures from the running totals equal those computed
		// from the lectures themselves.
		wide := dangke.Period{From: day("2019-01-01"), To: day("2030-01-01")}
		for _, u := range []int64{0, county.ID, town.ID, b1.ID, b3.ID} {
			a, _ := s.Figures(ctx, u, all)
			b, _ := s.Figures(ctx, u, wide)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("unit %d: totals %+v != lectures %+v", u, a, b)
			}
		}

		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, id3, "console:admin", time.Now()) }); err != nil {
			t.Fatal(err)
		}
		check("county after withdraw", county.ID, all, dangke.Figures{Lectures: 2, Speakers: 1, Leaders: 1, Attendees: 70, Satisfied: 38, Surveyed: 40, Members: 30})

		tops, err := s.TopFigures(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		if len(tops) != 2 || tops[0].Unit.Name != "孟州市" || tops[0].Figures.Lectures != 1 || tops[1].Figures.Lectures != 1 || tops[1].Figures.Members != 30 {
			t.Errorf("tops: %+v", tops)
		}
	})
}

// Reopening a database applies no migration twice and keeps every entry.
func TestReopenKeepsEntries(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		path := dbPath(t, "re.db")
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		b := addPath(t, s, "温县/第一党支部", 10)
		addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "党员", Title: "a", Date: day("2019-07-01"), Attendees: 5})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f, err := s.Figures(ctx, 0, dangke.Period{})
		if err != nil || f.Lectures != 1 || f.Members != 10 {
			t.Fatalf("after reopen: %+v, %v", f, err)
		}
		if isPostgres(t) {
			return // the rest is SQLite's settings
		}
		var pragmas struct {
			Journal string `bun:"journal_mode"`
		}
		if err := s.DB().NewRaw("PRAGMA journal_mode").Scan(ctx, &pragmas.Journal); err != nil || pragmas.Journal != "wal" {
			t.Fatalf("journal_mode %q, %v", pragmas.Journal, err)
		}
		var sync, fk int
		_ = s.DB().NewRaw("PRAGMA synchronous").Scan(ctx, &sync)
		_ = s.DB().NewRaw("PRAGMA foreign_keys").Scan(ctx, &fk)
		if sync != 2 || fk != 1 {
			t.Fatalf("synchronous=%d (want 2, FULL), foreign_keys=%d", sync, fk)
		}
	})
}

// Updates that share a commit are isolated: one that fails leaves no trace,
// the others land.
func TestGroupCommitIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/第一党支部", 10)
		errBoom := dangke.Errorf(dangke.EINVALID, "boom")
		done := make(chan error, 100)
		for i := range 100 {
			go func() {
				done <- s.Update(ctx, func(tx dangke.Tx) error {
					l := dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "党员", Title: "t", Date: day("2019-07-01"), Attendees: 1, Form: "普通", Author: "x"}
					if err := tx.AddLecture(ctx, &l); err != nil {
						return err
					}
					if i%3 == 0 {
						return errBoom // written, then undone
					}
					if i%7 == 0 {
						panic("a bug in one caller")
					}
					return nil
				})
			}()
		}
		var ok, failed int
		for range 100 {
			if err := <-done; err == nil {
				ok++
			} else {
				failed++
			}
		}
		f, err := s.Figures(ctx, b.ID, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Lectures != ok || f.Attendees != ok || ok+failed != 100 || ok != 100-34-10 {
			t.Fatalf("ok %d failed %d figures %+v", ok, failed, f)
		}
		var rows int
		_ = s.DB().NewRaw("SELECT count(*) FROM lectures").Scan(ctx, &rows)
		if rows != ok {
			t.Fatalf("%d lecture rows, want %d", rows, ok)
		}
	})
}

// The same phone twice in one pool is a conflict; in another pool, or after
// the first was removed, it is not.
func TestInstructorPhoneConflict(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		wen := addPath(t, s, "温县/一中", 0)
		meng := addPath(t, s, "孟州市/二中", 0)
		add := func(u *dangke.Unit) (int64, error) {
			in := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "李四", Gender: "女", BirthY: 1985, BirthM: 3, Position: "教师", Phone: "13812345678", Author: "x"}
			err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &in) })
			return in.ID, err
		}
		id, err := add(wen)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := add(wen); dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("second add: %v", err)
		}
		if _, err := add(meng); err != nil {
			t.Fatalf("other pool: %v", err)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawInstructor(ctx, id, "x", time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if _, err := add(wen); err != nil {
			t.Fatalf("after removal: %v", err)
		}
		if n, _ := s.PoolSize(ctx, wen.TopID); n != 1 {
			t.Fatalf("pool size %d", n)
		}
	})
}

// An update queued on a closed store is refused, not lost silently.
func TestUpdateAfterClose(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		s, err := store.Open(context.Background(), dbPath(t, "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		if err := s.Update(context.Background(), func(dangke.Tx) error { return nil }); err == nil {
			t.Fatal("update after close succeeded")
		}
	})
}

// Rebuilding the totals from the lectures gives the totals kept by hand.
func TestRebuildTotals(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b1 := addPath(t, s, "温县/一支部", 10)
		b2 := addPath(t, s, "温县/二支部", 10)
		addLecture(t, s, dangke.Lecture{UnitID: b1.ID, Speaker: "甲", Position: "书记", Title: "a", Date: day("2019-07-01"), Attendees: 5, Leader: true, Satisfied: 4, Surveyed: 5})
		addLecture(t, s, dangke.Lecture{UnitID: b1.ID, Speaker: "甲", Position: "党员", Title: "b", Date: day("2019-07-02"), Attendees: 6})
		id := addLecture(t, s, dangke.Lecture{UnitID: b2.ID, Speaker: "乙", Position: "党员", Title: "c", Date: day("2019-07-03"), Attendees: 7})
		addLecture(t, s, dangke.Lecture{UnitID: b2.ID, Speaker: "丙", Position: "党员", Title: "d", Date: day("2019-07-03"), Attendees: 8})
		_ = s.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, id, "x", time.Now()) })
		before, _ := s.Figures(ctx, 0, dangke.Period{})
		if err := s.RebuildTotals(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Figures(ctx, 0, dangke.Period{})
		if !reflect.DeepEqual(before, after) || after.Lectures != 3 || after.Speakers != 2 || after.Leaders != 1 {
			t.Fatalf("before %+v after %+v", before, after)
		}
	})
}

// A backup taken while the store is open opens as a database with the same entries.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	b := addPath(t, s, "温县/第一党支部", 10)
	addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "党员", Title: "a", Date: day("2019-07-01"), Attendees: 5})
	path := dbPath(t, "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, path); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}
	copy, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	if f, _ := copy.Figures(ctx, 0, dangke.Period{}); f.Lectures != 1 || f.Members != 10 {
		t.Fatalf("backup figures %+v", f)
	}
}
