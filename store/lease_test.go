package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"dangke/internal/pgtest"
	"dangke/store"
)

// TestLeaseFailover: of two replicas one leads; when the leader's lease
// connection is cut (as when its machine dies or loses the network), it
// stops its work and the other takes over within 15 s, never both at once.
func TestLeaseFailover(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := pgtest.URL(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b := open(), open()
	var mu sync.Mutex
	running := map[string]bool{}
	var overlap bool
	var stoppedA, startedB time.Time
	work := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			mu.Lock()
			running[name] = true
			overlap = overlap || len(running) > 1
			if name == "b" {
				startedB = time.Now()
			}
			mu.Unlock()
			<-ctx.Done()
			mu.Lock()
			delete(running, name)
			if name == "a" {
				stoppedA = time.Now()
			}
			mu.Unlock()
			return nil
		}
	}
	la, lb := a.Lease(store.Leader, "replica-a"), b.Lease(store.Leader, "replica-b")
	la.Retry, lb.Retry, la.Check, lb.Check = 5*time.Second, 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
	go la.Run(ctx, work("a"))
	waitUntil(t, 10*time.Second, func() bool { ok, _ := la.Leading(); return ok })
	go lb.Run(ctx, work("b"))
	time.Sleep(1500 * time.Millisecond)
	if ok, _ := lb.Leading(); ok {
		t.Fatal("two leaders")
	}
	if h, err := b.Holders(ctx); err != nil || h[store.Leader] != "replica-a" {
		t.Fatalf("holders %v, %v", h, err)
	}
	// Cut the leader's lease connection on the server side.
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	cut := time.Now()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'replica-a'"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, func() bool { ok, _ := lb.Leading(); return ok })
	waitUntil(t, 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return !startedB.IsZero() })
	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Fatal("both replicas ran the work at once")
	}
	if stoppedA.IsZero() || startedB.Before(stoppedA) {
		t.Fatalf("a stopped at %v, b started at %v", stoppedA, startedB)
	}
	t.Logf("failover in %v", startedB.Sub(cut).Round(time.Millisecond))
	if h, err := b.Holders(ctx); err != nil || h[store.Leader] != "replica-b" {
		t.Fatalf("holders after failover %v, %v", h, err)
	}
}

// TestLeaseSQLite: one process owns a SQLite file, so it always leads.
func TestLeaseSQLite(t *testing.T) {
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ran := false
	l := s.Lease(store.Leader, "")
	if err := l.Run(context.Background(), func(context.Context) error { ran, _ = l.Leading(); return nil }); err != nil || !ran {
		t.Fatalf("ran %v, %v", ran, err)
	}
}

func waitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
