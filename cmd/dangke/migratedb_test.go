package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"dangke/internal/pgtest"
)

// TestMigrateDB copies a SQLite deployment into an empty PostgreSQL
// database and prints the comparison; the password comes from the
// environment and is never printed; a second copy is refused.
func TestMigrateDB(t *testing.T) {
	target := pgtest.URL(t)
	db := filepath.Join(t.TempDir(), "dangke.db")
	newDB(t, db)
	// The URL carries no password; the environment gives one (the test
	// server trusts every connection, so any password does).
	env := map[string]string{"DANGKE_DB_PASSWORD": "s3cret-pw"}
	out, errs, err := run(t, env, "migrate-db", "--db", db, "--to", target)
	if err != nil {
		t.Fatalf("migrate-db: %v\n%s%s", err, out, errs)
	}
	if !strings.Contains(out, "lectures") || !strings.Contains(out, "复制完成，两边一致") || !strings.Contains(out, "温县") {
		t.Fatalf("output:\n%s", out)
	}
	if strings.Contains(out+errs, "s3cret-pw") {
		t.Fatal("the password was printed")
	}
	// A URL with a password: refused the second time, the password unshown.
	u, _ := url.Parse(target)
	u.User = url.UserPassword(u.User.Username(), "in-url-pw")
	out, errs, err = run(t, nil, "migrate-db", "--db", db, "--to", u.String())
	if err == nil || !strings.Contains(err.Error(), "不是空的") {
		t.Fatalf("second copy: %v", err)
	}
	if strings.Contains(out+errs+err.Error(), "in-url-pw") {
		t.Fatal("the password was printed")
	}
	// Not a PostgreSQL URL: refused with an example.
	if _, _, err := run(t, nil, "migrate-db", "--db", db, "--to", "other.db"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("--to a file: %v", err)
	}
}
