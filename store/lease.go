package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leader is the lease of the one-consumer roles: Telegram long polling, the
// WeCom long connection and the digest scheduler run on one replica at a
// time, the one holding it.
const Leader = "leader"

// Lease runs work on one replica at a time. On PostgreSQL the lease is an
// advisory lock held by a connection of its own (pg_try_advisory_lock):
// the server releases it when that session ends, so when the holder dies
// or loses the database another replica takes over at its next try. The
// holder checks its connection every Check; when a check fails it stops
// the work at once, before the server can have given the lock to another
// replica (the session's TCP keepalives let the server notice a silent
// client only after about 11 s), and a new holder waits two checks before
// it starts, for a lock that the server let go at once. A replica takes
// over within Retry + 2×Check (6 s by default). On SQLite, one process owns the file and
// the lease is always held.
type Lease struct {
	Role   string        // what the lease is for: Leader
	Holder string        // this replica's name, shown by status (application_name)
	Retry  time.Duration // how often a replica tries to take the lease; 2 s when 0
	Check  time.Duration // how often the holder checks its connection; 2 s when 0
	Log    *slog.Logger

	s       *Store
	leading atomic.Bool
	mu      sync.Mutex
	since   time.Time
}

// Lease returns a lease of role for this replica, named holder.
func (s *Store) Lease(role, holder string) *Lease {
	return &Lease{Role: role, Holder: holder, s: s, Log: slog.New(slog.DiscardHandler)}
}

// Leading reports whether this replica holds the lease now, and since when.
func (l *Lease) Leading() (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leading.Load(), l.since
}

func (l *Lease) set(leading bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leading.Store(leading)
	if leading {
		l.since = time.Now()
	}
}

// Run runs every fn, together, while this replica holds the lease, until
// ctx ends: it waits for the lease, runs them, and when the lease is lost
// cancels them, waits for them to return and waits for the lease again.
// When a fn returns by itself before ctx ends, the others are stopped, the
// lease is let go and Run returns what they returned.
func (l *Lease) Run(ctx context.Context, fns ...func(context.Context) error) error {
	if !l.s.pg {
		l.set(true)
		defer l.set(false)
		return runAll(ctx, fns)
	}
	retry, check := l.Retry, l.Check
	if retry <= 0 {
		retry = 2 * time.Second
	}
	if check <= 0 {
		check = 2 * time.Second
	}
	for {
		conn, err := l.acquire(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			l.Log.Warn("lease: cannot reach the database", "role", l.Role, "err", err)
		}
		if conn == nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(retry):
			}
			continue
		}
		// A lock the server let go at once (the old holder's session was
		// ended on the server) may be ours before the old holder's next
		// check: wait out two checks of it, so that it has stopped first.
		select {
		case <-ctx.Done():
			_ = conn.Close(context.Background())
			return nil
		case <-time.After(2 * check):
		}
		l.set(true)
		l.Log.Info("lease: leading", "role", l.Role, "holder", l.Holder)
		lost, err := l.hold(ctx, conn, check, fns)
		l.set(false)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx) // ends the session: the server lets the lock go
		cancel()
		if !lost {
			return err
		}
		l.Log.Warn("lease: lost the database connection; stopped the one-consumer work", "role", l.Role)
		select { // the others have a go first
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

// hold runs fns while checking the lease's connection. It reports whether
// the lease was lost (then the work was stopped and may be taken again).
func (l *Lease) hold(ctx context.Context, conn *pgx.Conn, check time.Duration, fns []func(context.Context) error) (bool, error) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- runAll(wctx, fns) }()
	tick := time.NewTicker(check)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return false, err
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, check)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				stop()
				<-done
				return true, nil
			}
		}
	}
}

// acquire connects and tries the lock once: a connection holding it, or nil.
func (l *Lease) acquire(ctx context.Context) (*pgx.Conn, error) {
	cfg := l.s.pgcfg.Copy()
	cfg.RuntimeParams["application_name"] = l.Holder
	// The server drops a silent client (and its lock) after 5 + 3×2 s.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "5"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "2"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRow(cctx, "SELECT pg_try_advisory_lock($1)", leaseKey(l.s.schema, l.Role)).Scan(&got); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	if !got {
		_ = conn.Close(context.Background())
		return nil, nil
	}
	return conn, nil
}

// runAll runs fns together; the first to return stops the others.
func runAll(ctx context.Context, fns []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			errs[i] = fn(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Holders returns which replica holds each lease now (by role), as the
// server sees it: on SQLite, the one process that opened the file.
func (s *Store) Holders(ctx context.Context) (map[string]string, error) {
	if !s.pg {
		return map[string]string{Leader: "本进程（SQLite 只有一个进程）"}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objsubid = 1
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.objid::bigint = ?`, leaseKey(s.schema, Leader))
	if err != nil {
		return nil, fmt.Errorf("store: lease holders: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var holder string
		if err := rows.Scan(&holder); err != nil {
			return nil, fmt.Errorf("store: lease holders: %w", err)
		}
		out[Leader] = holder
	}
	return out, rows.Err()
}

// leaseKey is the advisory lock key of a role in a schema (the tests run
// many databases as schemas of one): 31 bits, so that pg_locks shows it
// as objid with classid 0.
func leaseKey(schema, role string) int64 {
	h := fnv.New32a()
	h.Write([]byte(schema + ":" + role))
	return int64(h.Sum32() & 0x7fffffff)
}
