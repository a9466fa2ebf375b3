package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"

	"dangke"
)

// A database from before 附件2's 单位 became the lecturer's workplace keeps
// its lecturers readable: the unit they were registered under becomes their
// workplace, and new ones are written and read with theirs.
func TestWorkplaceMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedBefore(t, path, "20261128000009")
	for _, q := range []string{
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at, ipath) VALUES (1, NULL, 1, '温县', '温县', 1, 'county', 0, 0, '/1/')`,
		`INSERT INTO units (id, parent_id, top_id, name, path, depth, kind, members, created_at, ipath) VALUES (2, 1, 1, '温县一中', '温县/温县一中', 2, 'org', 20, 0, '/1/2/')`,
		`INSERT INTO instructors (pool_id, unit_id, name, gender, birth_y, birth_m, position, phone, author, chat, created_at)
			VALUES (1, 2, '李四', '女', 1985, 3, '教师', '13812345678', 'x', 'x', 0)`,
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
	in := &dangke.Instructor{PoolID: 1, UnitID: 1, Name: "王芳", Gender: "女", BirthY: 1990, BirthM: 11,
		Workplace: "县委党校", Position: "讲师", Phone: "13900001111", Author: "x", Chat: "x"}
	if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, in) }); err != nil {
		t.Fatal(err)
	}
	list, err := s.Instructors(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Workplace != "温县一中" || list[1].Workplace != "县委党校" {
		t.Fatalf("lecturers after the migration: %+v", list)
	}
	// A number already in the pool is refused without naming its owner.
	dup := *in
	dup.Name, dup.Phone = "钱五", "13812345678"
	err = s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &dup) })
	if dangke.ErrorCode(err) != dangke.ECONFLICT || strings.Contains(err.Error(), "李四") {
		t.Fatalf("duplicate phone: %v", err)
	}
}

// migratedBefore makes a SQLite database at path with the migrations
// named before prefix applied (as a database of an older version is),
// and returns it open.
func migratedBefore(t *testing.T, path, prefix string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	sqldb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	all, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Compare(e.Name(), prefix) < 0 {
			data, err := fs.ReadFile(all, e.Name())
			if err != nil {
				t.Fatal(err)
			}
			old[e.Name()] = &fstest.MapFile{Data: data}
		}
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(old); err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
