package store

import (
	"io/fs"
	"testing"
)

// TestEveryMigrationHasAPostgresCounterpart fails when a SQLite migration
// has no PostgreSQL migration of the same name (or the other way round):
// the two engines' schemas move together.
func TestEveryMigrationHasAPostgresCounterpart(t *testing.T) {
	names := func(files fs.FS, dir string) map[string]bool {
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range entries {
			out[e.Name()] = true
		}
		return out
	}
	lite, pg := names(sqliteMigrations, "migrations/sqlite"), names(postgresMigrations, "migrations/postgres")
	for n := range lite {
		if !pg[n] {
			t.Errorf("migrations/sqlite/%s has no counterpart in migrations/postgres: port it (same file name)", n)
		}
	}
	for n := range pg {
		if !lite[n] {
			t.Errorf("migrations/postgres/%s has no SQLite migration of that name", n)
		}
	}
}
