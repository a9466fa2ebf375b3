package store_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dangke"
	"dangke/store"
)

// The database, its WAL and shared-memory files, its folder and a backup
// are private to the owner.
func TestFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "var", "dangke")
	path := filepath.Join(dir, "dangke.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Created() {
		t.Error("a new database is not reported as created")
	}
	addPath(t, s, "温县/第一党支部", 10) // something in the WAL
	backup := filepath.Join(t.TempDir(), "backups", "b.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", backup} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	for _, d := range []string{dir, filepath.Dir(backup)} {
		if st, _ := os.Stat(d); st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", d, st.Mode().Perm())
		}
	}
	if es, _ := os.ReadDir(filepath.Dir(backup)); len(es) != 1 {
		t.Errorf("backup folder holds %d files, want 1", len(es))
	}
	again, err := store.OpenWith(ctx, path, store.Options{MustExist: true, FullCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created() {
		t.Error("an existing database is reported as created")
	}
	again.Close()
}

// The operators' commands refuse a path where no database exists, and
// leave nothing behind there.
func TestMustExist(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "typo.db"), filepath.Join(dir, "empty.db")} {
		if strings.HasSuffix(p, "empty.db") {
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := store.OpenWith(context.Background(), p, store.Options{MustExist: true})
		if !errors.Is(err, store.ErrNoDatabase) || !strings.Contains(err.Error(), "dangke console --db") {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing database was created: %v", err)
	}
	if _, err := store.OpenWith(context.Background(), dir, store.Options{}); err == nil || !strings.Contains(err.Error(), "文件夹") {
		t.Fatalf("a folder as database: %v", err)
	}
}

// A database that a newer binary migrated is refused, naming the migration.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t, "d.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES ('29991231000000_future', 99, CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = store.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "结构比本程序新") || !strings.Contains(err.Error(), "29991231000000_future") {
		t.Fatalf("err %v", err)
	}
}

// A damaged file is refused at open with a message, before anything is
// written to it.
func TestDamagedRefused(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t, "d.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		addPath(t, s, "温县/支部"+strings.Repeat("长", 30)+string(rune('a'+i%26))+string(rune('a'+i/26)), 10)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8*4096 {
		t.Fatalf("database only %d bytes", len(data))
	}
	for i := 4096 + 100; i < len(data)-100; i += 4096 { // the middle of every page after the first
		copy(data[i:], "garbage garbage garbage garbage garbage garbage")
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = store.OpenWith(ctx, path, store.Options{FullCheck: true})
	if err == nil || !strings.Contains(err.Error(), "已损坏") {
		t.Fatalf("err %v", err)
	}
	t.Log(err)
}

// A database the process may not write is refused at open.
func TestReadOnlyRefused(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t, "d.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if os.Geteuid() == 0 {
		// Root writes any file whatever its mode; an immutable one it cannot.
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("running as root without chattr +i (%v: %s); run as an ordinary user to check this", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
	} else if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "不可写") {
		t.Fatalf("err %v", err)
	}
}

var _ dangke.Store = (*store.Store)(nil)

// Every connection gets the page cache and memory map the options ask for,
// and by default a map far smaller than a province's file (its touched
// pages count in the process's resident size).
func TestCacheAndMap(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		opt         store.Options
		cache, mmap int64
	}{
		{store.Options{}, -store.DefaultCacheKiB, store.DefaultMapBytes},
		{store.Options{CacheKiB: 2048, MapBytes: 1 << 20}, -2048, 1 << 20},
		{store.Options{MapBytes: -1}, -store.DefaultCacheKiB, 0},
	} {
		s, err := store.OpenWith(ctx, filepath.Join(t.TempDir(), "d.db"), c.opt)
		if err != nil {
			t.Fatal(err)
		}
		// Several connections at once: each is set up from the DSN.
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			conn, err := s.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var cache, mmap int64
			if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&mmap); err != nil {
				t.Fatal(err)
			}
			if cache != c.cache || mmap != c.mmap {
				t.Errorf("%+v: cache_size %d, mmap_size %d; want %d, %d", c.opt, cache, mmap, c.cache, c.mmap)
			}
		}
		for _, conn := range conns {
			_ = conn.Close()
		}
		if store.DefaultMapBytes > 256<<20 || store.DefaultCacheKiB > 32<<10 {
			t.Errorf("default map %d bytes, cache %d KiB: a province's weekly run would hold its file", store.DefaultMapBytes, store.DefaultCacheKiB)
		}
		s.Close()
	}
}
