package store_test

import (
	"path/filepath"
	"strings"
	"testing"

	"dangke/internal/pgtest"
)

// eachDB runs a store test over every configured engine, as a subtest
// named after it: SQLite always, PostgreSQL when DANGKE_TEST_PG is set
// (skipped with one line otherwise, failed with DANGKE_TEST_PG_REQUIRED=1).
// Inside, open and dbPath give a fresh database of that engine.
func eachDB(t *testing.T, test func(t *testing.T)) {
	for _, e := range pgtest.Engines() {
		t.Run(e, test)
	}
}

// dbPath returns a fresh database for t: a file named name in t's
// temporary folder, or a PostgreSQL schema of its own when t runs under
// eachDB's postgres subtest.
func dbPath(t testing.TB, name string) string {
	t.Helper()
	if isPostgres(t) {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), name)
}

func isPostgres(t testing.TB) bool {
	return strings.Contains(t.Name()+"/", "/postgres/")
}
