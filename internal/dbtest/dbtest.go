// Package dbtest gives tests a new SQLite database quickly: a copy of one
// made (and migrated) once per test binary. Opening a new file runs every
// migration, dozens of statements with their triggers, which under -race
// was most of a package's test time.
package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"dangke/store"
)

// Template is the database the copies are made from. The zero value is
// ready; Remove deletes it after the run (from TestMain).
type Template struct {
	once sync.Once
	path string
	err  error
}

// Fresh returns the path of a new, migrated database file named name in
// t's temporary folder: a copy of the template, made the first time.
func (tp *Template) Fresh(t testing.TB, name string) string {
	t.Helper()
	tp.once.Do(func() {
		dir, err := os.MkdirTemp("", "dangke-template-")
		if err != nil {
			tp.err = err
			return
		}
		tp.path = filepath.Join(dir, "template.db")
		st, err := store.Open(context.Background(), tp.path)
		if err != nil {
			tp.err = err
			return
		}
		tp.err = st.Close()
	})
	if tp.err != nil {
		t.Fatal(tp.err)
	}
	path := filepath.Join(t.TempDir(), name)
	for _, ext := range []string{"", "-wal"} {
		data, err := os.ReadFile(tp.path + ext)
		if ext != "" && os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+ext, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// Remove deletes the template's folder.
func (tp *Template) Remove() {
	if tp.path != "" {
		_ = os.RemoveAll(filepath.Dir(tp.path))
	}
}
