package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"dangke"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// maxBatch bounds how many callers' updates share one commit.
const maxBatch = 256

// Store is the dangke.Store over SQLite (a file) or PostgreSQL (a URL).
type Store struct {
	queries
	db *bun.DB

	reqs    chan *update
	mu      sync.RWMutex // guards closed against Update racing Close; updates queue side by side
	closed  bool
	stopped chan struct{}
	created bool

	pg       bool            // PostgreSQL
	pgcfg    *pgx.ConnConfig // PostgreSQL: for the leases' own connections
	schema   string          // PostgreSQL: the schema the tables are in
	running  sync.WaitGroup  // PostgreSQL updates run again on their own, for Close
	rerun    atomic.Int64    // PostgreSQL: how many updates were run again alone
	turnWait time.Duration   // PostgreSQL: the longest wait for the write turn
}

type update struct {
	ctx   context.Context
	fn    func(dangke.Tx) error
	err   error
	done  chan struct{}
	again bool // PostgreSQL: lost a deadlock or a conflict; run again alone
}

// DSN returns the driver connection string for a database file with the
// pragmas the bot relies on.
func DSN(path string) string { return dsn(path, Options{}) }

// NoFsyncDSN is DSN with synchronous=OFF: a commit is not fsynced. For
// benchmarks that measure the cost of everything but the disk, never for
// a deployment.
func NoFsyncDSN(path string) string { return dsn(path, Options{NoFsync: true}) }

// The default page cache of a connection and memory map of the file. The
// pages of the map a process has touched count in its resident size, so a
// map as large as the file makes a job that reads the whole province (the
// weekly digests) as large as the file; reads past the map go through the
// page cache and the system's file cache, and measured no slower (README,
// "Province scale"). Each of up to 8 connections has its own page cache.
const (
	DefaultCacheKiB = 16 << 10
	DefaultMapBytes = 128 << 20
)

func dsn(path string, opt Options) string {
	sync := "synchronous(FULL)"
	if opt.NoFsync {
		sync = "synchronous(OFF)"
	}
	cache, mmap := int64(DefaultCacheKiB), int64(DefaultMapBytes)
	if opt.CacheKiB != 0 {
		cache = max(opt.CacheKiB, 0)
	}
	if opt.MapBytes != 0 {
		mmap = max(opt.MapBytes, 0)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", sync, "foreign_keys(1)", "busy_timeout(10000)",
		fmt.Sprintf("cache_size(-%d)", cache), fmt.Sprintf("mmap_size(%d)", mmap), "temp_store(MEMORY)"} { // page cache in KiB; reads through a memory map
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// ImportCacheKiB is the page cache a connection dangke import opens the
// store with (Options.CacheKiB, with no memory map): it writes far more
// than it reads again.
const ImportCacheKiB = 8 << 10

// Options say how Open treats the file.
type Options struct {
	// MustExist refuses a path where no database exists (no file, or an
	// empty one) instead of creating a new database there: the operators'
	// commands read a deployment, they never start one.
	MustExist bool
	// FullCheck runs PRAGMA integrity_check at open instead of the faster
	// quick_check.
	FullCheck bool
	// NoFsync commits without fsync (synchronous=OFF): for benchmarks and
	// bulk loads only; a crash may lose what Update reported as done.
	NoFsync bool
	// CacheKiB is each connection's SQLite page cache in KiB (0: the
	// default, DefaultCacheKiB; negative: the smallest).
	CacheKiB int64
	// MapBytes is how much of the file SQLite reads through a memory map
	// (0: the default, DefaultMapBytes; negative: none, every read through
	// the page cache). The pages of the map a process touches count in its
	// resident size.
	MapBytes int64
	// Password is the PostgreSQL password when the URL has none; when
	// empty too, DANGKE_DB_PASSWORD is read.
	Password string
}

// Open opens (creating if needed) the database file at path, or the
// PostgreSQL database at a postgres:// URL, applies the migrations and
// starts the writer; see OpenWith.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens the database file at path. A new database and its folder
// are created private to the owner (0600, 0700); SQLite gives the WAL and
// shared-memory files the database file's mode. Before the migrations it
// checks the file (quick_check, or integrity_check with FullCheck), that it
// can be written, and that the binary knows every migration applied to it.
//
// A path that is a postgres:// URL opens PostgreSQL instead (the password
// from the URL or DANGKE_DB_PASSWORD): the migrations are applied under an
// advisory lock, so that replicas starting together migrate once.
func OpenWith(ctx context.Context, path string, opt Options) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, opt)
	}
	created, err := prepareFile(path, opt.MustExist)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("sqlite", dsn(path, opt))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	fail := func(err error) (*Store, error) {
		_ = db.Close()
		return nil, err
	}
	if err := check(ctx, sqldb, path, opt.FullCheck); err != nil {
		return fail(err)
	}
	if err := migrateUp(ctx, db, sqliteMigrations, "migrations/sqlite", path); err != nil {
		return fail(err)
	}
	p, err := prepare(ctx, sqldb, false)
	if err != nil {
		return fail(fmt.Errorf("store: %s: %w", path, err))
	}
	s := &Store{
		queries: queries{db: db, p: p},
		db:      db,
		reqs:    make(chan *update, maxBatch),
		stopped: make(chan struct{}),
		created: created,
	}
	go s.writer()
	return s, nil
}

// Created reports whether Open made a new database rather than opening one.
func (s *Store) Created() bool { return s.created }

// prepareFile refuses a missing database when it must exist, and otherwise
// creates an empty private file (and folder) for SQLite to fill, so that
// the database never exists with a looser mode. It reports whether it
// created the file.
func prepareFile(path string, mustExist bool) (bool, error) {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return false, fmt.Errorf("store: %s 是一个文件夹，不是数据库文件；--db 要指向数据库文件，例如 --db /var/lib/dangke/dangke.db", path)
	case err == nil && st.Size() > 0:
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("store: %w", err)
	case mustExist:
		return false, fmt.Errorf("%w：%s。这个命令只读取已有的数据库，不会新建；请用 --db 指定机器人使用的数据库（例如 --db /var/lib/dangke/dangke.db），新部署先运行一次 dangke console --db %s 建立它", ErrNoDatabase, path, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("store: create the database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("store: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("store: create %s: %w", path, err)
	}
	return true, nil
}

// ErrNoDatabase is returned by OpenWith with MustExist for a path where no
// database exists.
var ErrNoDatabase = errors.New("数据库不存在")

// check verifies the file before anything is written to it.
func check(ctx context.Context, db *sql.DB, path string, full bool) error {
	pragma := "quick_check"
	if full {
		pragma = "integrity_check"
	}
	unusable := func(err error) error {
		if strings.Contains(err.Error(), "malformed") {
			return fmt.Errorf("store: 数据库 %s 已损坏（%w）。请停止机器人，从最近的备份恢复（见 docs/operations.md）", path, err)
		}
		return fmt.Errorf("store: %s 不是可用的 SQLite 数据库（%w）。请检查 --db 指向的文件，或从备份恢复", path, err)
	}
	rows, err := db.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return unusable(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: %s: %w", pragma, err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return unusable(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: 数据库 %s 已损坏（PRAGMA %s：%s）。请停止机器人，从最近的备份恢复（见 docs/operations.md）", path, pragma, strings.Join(problems, "；"))
	}
	// A write transaction fails at once on a file or folder the process may
	// not write, instead of at the first lecture someone logs.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	defer conn.Close()
	// (BEGIN IMMEDIATE alone succeeds on a read-only file in WAL mode: the
	// check writes a table, and rolls it back.)
	readOnly := func(err error) error {
		return fmt.Errorf("store: 数据库 %s 不可写（%w）。请检查文件和所在文件夹的属主与权限（运行 dangke 的用户要能写二者）", path, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return readOnly(err)
	}
	_, err = conn.ExecContext(ctx, "CREATE TABLE dangke_write_check (x)")
	if _, rerr := conn.ExecContext(ctx, "ROLLBACK"); rerr != nil && err == nil {
		return fmt.Errorf("store: %s: %w", path, rerr)
	}
	if err != nil {
		return readOnly(err)
	}
	return nil
}

func migrateUp(ctx context.Context, db *bun.DB, files fs.FS, dir, path string) error {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: migrate %s: %w", path, err)
	}
	applied, err := m.AppliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, k := range ms.Sorted() {
		known[k.Name] = true
	}
	var unknown []string
	for _, a := range applied {
		if !known[a.Name] {
			unknown = append(unknown, a.Name)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("store: 数据库 %s 的结构比本程序新（本程序不认识已应用的迁移 %s）。请换用升级后的 dangke，或从升级前的备份恢复；旧程序不能打开新数据库", path, strings.Join(unknown, "、"))
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate %s: %w", path, err)
	}
	return nil
}

// DB returns the underlying Bun handle, for benchmarks and tools that need raw access.
func (s *Store) DB() *bun.DB { return s.db }

// Update runs fn in a transaction; see dangke.Store.
func (s *Store) Update(ctx context.Context, fn func(dangke.Tx) error) error {
	endPrefetch(ctx) // what the request read first may change now
	u := &update{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errors.New("store: update: store is closed")
	}
	select {
	case s.reqs <- u:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must
	// not report failure for work that is about to be committed.
	<-u.done
	return u.err
}

// Close waits for queued updates, then closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		if s.reqs != nil {
			close(s.reqs)
		}
	}
	s.mu.Unlock()
	<-s.stopped
	s.running.Wait()
	s.p.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *Store) writer() {
	defer close(s.stopped)
	batch := make([]*update, 0, maxBatch)
	for first := range s.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case u, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, u)
			default:
				break drain
			}
		}
		s.commit(batch)
		for _, u := range batch {
			if !u.again {
				close(u.done)
				continue
			}
			// PostgreSQL: the update lost a deadlock or a conflict to
			// another transaction, or its batch was broken by another
			// caller (abandon): it runs again alone, beside the batches
			// that follow.
			s.running.Add(1)
			s.rerun.Add(1)
			go func() {
				defer s.running.Done()
				u.err = s.updatePG(u)
				close(u.done)
			}()
		}
	}
}

// savepointer issues the savepoint statements of a batch: prepared ones on
// SQLite, where they cost a fifth of a small update if parsed each time;
// plain ones on PostgreSQL, which parses them cheaply on its side.
func (s *Store) savepointer(ctx context.Context, t *txStore, tx bun.Tx) (savepoint, release, rollbackTo func() error) {
	if t.pipe != nil {
		// Each statement is a round trip to the server: a caller's savepoint
		// is released and the next caller's taken with that caller's first
		// statement, and the last is left to the commit.
		return t.pipe.savepoints(ctx)
	}
	exec := func(st *sql.Stmt) func() error {
		st = t.stmt(ctx, st)
		return func() error { _, err := st.ExecContext(ctx); return err }
	}
	return exec(s.p.savepoint), exec(s.p.release), exec(s.p.rollbackTo)
}

// commit runs a batch of updates in one transaction, each in its own
// savepoint: one commit (one fsync) for every caller waiting at a moment.
// On PostgreSQL it also takes the rows every lecture changes (the
// province's and its county's day totals) once a batch rather than once a
// lecture: per-lecture transactions queued on those rows' locks, each
// holding them through its round trips and its commit (74 lectures/s from
// 64 chats, 31 of 32 backends waiting on a lock).
func (s *Store) commit(batch []*update) {
	ctx := context.Background()
	fail := func(err error) {
		for _, u := range batch {
			u.err = err
		}
	}
	var tx bun.Tx
	var t *txStore
	var pipe *pipeline
	if s.pg {
		// The batch's connection, held for its pipeline (pipeline.go).
		conn, err := s.db.Conn(ctx)
		if err != nil {
			fail(fmt.Errorf("store: begin: %w", err))
			return
		}
		defer conn.Close()
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			fail(fmt.Errorf("store: begin: %w", err))
			return
		}
		pipe = &pipeline{conn: conn.Conn}
		t = &txStore{queries: queries{db: pgTx{pgDB: pgDB{tx}, tx: tx, pipe: pipe}, tx: tx.Tx, p: s.p, pg: true, pipe: pipe}}
		if err := writeTurn(ctx, tx, s.turnWait); err != nil {
			_ = tx.Rollback()
			fail(err)
			return
		}
	} else {
		var err error
		if tx, err = s.db.BeginTx(ctx, nil); err != nil {
			fail(fmt.Errorf("store: begin: %w", err))
			return
		}
		t = &txStore{queries: queries{db: tx, tx: tx.Tx, p: s.p}}
	}
	savepoint, release, rollbackTo := s.savepointer(ctx, t, tx)
	ok := 0
	// On SQLite the first update of a transaction runs outside any
	// savepoint: when it fails the transaction, holding nothing else, is
	// rolled back and the rest begin another. Inside a savepoint every
	// statement's end walks SQLite's in-memory statement journal from its
	// start (memjrnlTruncate), so a long update, such as an import's, paid
	// for the pages it had changed once per statement: a quarter of a
	// million-row import's CPU.
	bare := !s.pg
	for i, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.err = err
			continue
		}
		if bare {
			if u.err = run(ctx, u.fn, t); u.err == nil {
				ok, bare = ok+1, false
				continue
			}
			_ = tx.Rollback()
			if i == len(batch)-1 {
				return
			}
			var err error
			if tx, err = s.db.BeginTx(ctx, nil); err != nil {
				for _, v := range batch[i+1:] {
					v.err = fmt.Errorf("store: begin: %w", err)
				}
				return
			}
			t = &txStore{queries: queries{db: tx, tx: tx.Tx, p: s.p}}
			savepoint, release, rollbackTo = s.savepointer(ctx, t, tx)
			continue
		}
		if err := savepoint(); err != nil {
			u.err = fmt.Errorf("store: savepoint: %w", err)
			continue
		}
		u.err = run(ctx, u.fn, t)
		if pipe != nil {
			if u.err == nil {
				// Writes still waiting go now, failing the update that made them.
				u.err = pipe.sendWrites(u.ctx)
			}
			if pipe.broken != nil {
				// The transaction is broken (an update before swallowed an
				// error, or the connection is gone): none of it commits;
				// this update, which found it so, runs again with the others.
				u.err = nil
				s.abandon(&tx, batch, pipe.broken)
				return
			}
			if u.err != nil && pipe.err != nil {
				u.err = pipe.err // a waiting write failed: what failed the update
			}
			pipe.err, pipe.ahead = nil, nil
		}
		if u.err != nil && s.pg && retryable(u.err) {
			u.again, u.err = true, nil
		}
		if u.err != nil || u.again {
			if err := rollbackTo(); err != nil {
				// The transaction is in an unknown state: give up on all of it.
				s.abandon(&tx, batch, fmt.Errorf("store: rollback to savepoint: %w", err))
				return
			}
		} else {
			ok++
		}
		if err := release(); err != nil && u.err == nil {
			u.again = false
			u.err = fmt.Errorf("store: release savepoint: %w", err)
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if pipe != nil {
		// Only savepoint statements can be waiting here: the commit ends them.
		pipe.queue = nil
	}
	if err := tx.Commit(); err != nil {
		if s.pg && retryable(err) {
			s.abandon(nil, batch, fmt.Errorf("store: commit: %w", err)) // rolled back for certain: run again
			return
		}
		// Any other failure of a commit leaves its outcome unknown (the
		// connection may have broken after the server committed): nothing
		// is run again, and the callers are told it failed.
		for _, u := range batch {
			if u.err == nil {
				u.again = false
				u.err = fmt.Errorf("store: commit: %w", err)
			}
		}
	}
}

// abandon rolls back a batch's transaction that cannot go on (tx nil: it
// is over already) and settles its updates that had not failed on their
// own: on PostgreSQL each runs again alone, so that one caller's trouble —
// an error it swallowed, its context ending while its statement ran (pgx
// then closes the connection) — does not fail the others; on SQLite, whose
// only writer is this one, they fail with err.
func (s *Store) abandon(tx *bun.Tx, batch []*update, err error) {
	if tx != nil {
		_ = tx.Rollback()
	}
	for _, u := range batch {
		switch {
		case u.err != nil:
		case s.pg && u.ctx.Err() == nil:
			u.again = true
		default:
			u.again = false
			u.err = err
		}
	}
}

// updatePG runs one update in a transaction of its own, for an update that
// lost a deadlock or a serialization conflict in a batch. A transaction
// that loses again is run again from the start (fn must have no effect
// outside tx), up to eight times.
func (s *Store) updatePG(u *update) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if err = u.ctx.Err(); err != nil {
			return err
		}
		err = s.updateOnce(u)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) updateOnce(u *update) error {
	// The caller's ctx does not cancel a transaction that is committing:
	// it must not report failure for work that is about to be committed.
	ctx := context.WithoutCancel(u.ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t := &txStore{queries: queries{db: pgDB{tx}, tx: tx.Tx, p: s.p, pg: true}}
	if err := writeTurn(ctx, tx, s.turnWait); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := run(ctx, u.fn, t); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// run calls fn, turning a panic into an error so that one bad update cannot
// take down the writer.
//
// After fn, on SQLite, it empties the queue of units whose over bucket row
// disagrees with their state (migration 20261204001000_over_buckets): the
// trigger on that delete moves each one's lectures into or out of the
// bucket, after every trigger of fn's statements has run. The queue is
// empty but for the few updates that make a unit have more lecturers than
// members, or no longer. PostgreSQL empties it itself at the commit (a
// deferred trigger), which costs the pipeline no round trip.
func run(ctx context.Context, fn func(dangke.Tx) error, t *txStore) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: update panicked: %v", r)
		}
	}()
	if err := fn(t); err != nil || t.pg {
		return err
	}
	if _, err := t.stmt(ctx, t.p.settle).ExecContext(ctx); err != nil {
		return fmt.Errorf("store: over buckets: %w", err)
	}
	return nil
}

// txStore is the store inside a transaction.
type txStore struct{ queries }

var _ dangke.Store = (*Store)(nil)
var _ dangke.Tx = (*txStore)(nil)
