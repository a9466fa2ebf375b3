package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sync"

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

// Store is the SQLite-backed dangke.Store.
type Store struct {
	queries
	db *bun.DB

	reqs    chan *update
	mu      sync.Mutex // guards closed against Update racing Close
	closed  bool
	stopped chan struct{}
}

type update struct {
	ctx  context.Context
	fn   func(dangke.Tx) error
	err  error
	done chan struct{}
}

// DSN returns the driver connection string for a database file with the
// pragmas the bot relies on.
func DSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)",
		"cache_size(-65536)", "mmap_size(1073741824)"} { // 64 MiB page cache; reads through a memory map
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path, applies the
// migrations and starts the writer.
func Open(ctx context.Context, path string) (*Store, error) {
	sqldb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := migrateUp(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", path, err)
	}
	p, err := prepare(ctx, sqldb)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s := &Store{
		queries: queries{db: db, p: p},
		db:      db,
		reqs:    make(chan *update, maxBatch),
		stopped: make(chan struct{}),
	}
	go s.writer()
	return s, nil
}

func migrateUp(ctx context.Context, db *bun.DB) error {
	sub, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return err
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return err
	}
	_, err = m.Migrate(ctx)
	return err
}

// DB returns the underlying Bun handle, for benchmarks and tools that need raw access.
func (s *Store) DB() *bun.DB { return s.db }

// Update runs fn in a transaction; see dangke.Store.
func (s *Store) Update(ctx context.Context, fn func(dangke.Tx) error) error {
	u := &update{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("store: update: store is closed")
	}
	select {
	case s.reqs <- u:
		s.mu.Unlock()
	case <-ctx.Done():
		s.mu.Unlock()
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
		close(s.reqs)
	}
	s.mu.Unlock()
	<-s.stopped
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
			close(u.done)
		}
	}
}

// commit runs a batch of updates in one transaction, each in its own savepoint.
func (s *Store) commit(batch []*update) {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		for _, u := range batch {
			u.err = fmt.Errorf("store: begin: %w", err)
		}
		return
	}
	t := &txStore{queries: queries{db: tx, tx: tx.Tx, p: s.p}}
	savepoint := t.stmt(ctx, s.p.savepoint)
	release := t.stmt(ctx, s.p.release)
	rollbackTo := t.stmt(ctx, s.p.rollbackTo)
	ok := 0
	for _, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.err = err
			continue
		}
		if _, err := savepoint.ExecContext(ctx); err != nil {
			u.err = fmt.Errorf("store: savepoint: %w", err)
			continue
		}
		u.err = run(u.fn, t)
		if u.err != nil {
			if _, err := rollbackTo.ExecContext(ctx); err != nil {
				// The transaction is in an unknown state: give up on all of it.
				_ = tx.Rollback()
				for _, v := range batch {
					if v.err == nil {
						v.err = fmt.Errorf("store: rollback to savepoint: %w", err)
					}
				}
				return
			}
		} else {
			ok++
		}
		if _, err := release.ExecContext(ctx); err != nil && u.err == nil {
			u.err = fmt.Errorf("store: release savepoint: %w", err)
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, u := range batch {
			if u.err == nil {
				u.err = fmt.Errorf("store: commit: %w", err)
			}
		}
	}
}

// run calls fn, turning a panic into an error so that one bad update cannot
// take down the writer.
func run(fn func(dangke.Tx) error, t *txStore) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: update panicked: %v", r)
		}
	}()
	return fn(t)
}

// txStore is the store inside a transaction.
type txStore struct{ queries }

var _ dangke.Store = (*Store)(nil)
var _ dangke.Tx = (*txStore)(nil)
