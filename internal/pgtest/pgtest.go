// Package pgtest gives tests a fresh PostgreSQL schema of their own on the
// server named by DANGKE_TEST_PG (scripts/test-postgres.sh starts one and
// sets it). Without it a test that needs PostgreSQL skips with one line,
// unless DANGKE_TEST_PG_REQUIRED=1 (CI), where it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registered as "pgx"
)

// Env names the variable that holds the test server's URL.
const Env = "DANGKE_TEST_PG"

// RequiredEnv names the variable that, set to 1, makes a missing server a failure.
const RequiredEnv = "DANGKE_TEST_PG_REQUIRED"

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(Env) != "" }

// Need skips (or, where required, fails) t when no server is configured.
func Need(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv(RequiredEnv) == "1" {
		t.Fatalf("%s is not set but %s=1: start PostgreSQL with scripts/test-postgres.sh", Env, RequiredEnv)
	}
	t.Skipf("no PostgreSQL (%s unset; scripts/test-postgres.sh runs one)", Env)
}

// URL creates an empty schema for t, dropped when t ends, and returns the
// server's URL with that schema as its search_path.
func URL(t testing.TB) string {
	t.Helper()
	Need(t)
	base := os.Getenv(Env)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Engines names the engines a store test runs over: sqlite always,
// postgres when a server is configured (or required).
func Engines() []string {
	if Available() || os.Getenv(RequiredEnv) == "1" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}
