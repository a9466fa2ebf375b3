package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	path := filepath.Join(dir, "附件1.xlsx")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, dir: 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	only(t, dir, "附件1.xlsx")
}

// A disk that fills up half-way leaves neither a partial file nor an empty
// one, and an existing file keeps its content.
func TestFullDiskLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "附件1.csv")
	full := func(tmp *os.File) error {
		if _, err := tmp.Write([]byte("half")); err != nil {
			return err
		}
		return syscall.ENOSPC
	}
	if err := WriteWith(path, true, full); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err %v", err)
	}
	only(t, dir)
	if err := Write(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(path, true, full); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("content %q", b)
	}
	only(t, dir, "附件1.csv")
}

func TestNoReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.db")
	fill := func(tmp *os.File) error { _, err := tmp.Write([]byte("new")); return err }
	if err := WriteWith(path, false, fill); err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(path, false, fill); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err %v", err)
	}
	only(t, dir, "b.db")
}

func only(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if len(got) != len(names) || (len(names) > 0 && got[0] != names[0]) {
		t.Fatalf("folder holds %q, want %q", got, names)
	}
}
