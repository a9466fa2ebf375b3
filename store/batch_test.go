package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/internal/pgtest"
)

// batchDB opens engine's database twice, as two replicas would, with a
// table of two counters.
func batchDB(t *testing.T, engine string) (a, b *Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "batch.db")
	if engine == "postgres" {
		path = pgtest.URL(t)
	}
	var err error
	if a, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if b, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if _, err := a.db.ExecContext(ctx, "CREATE TABLE counters (k INTEGER PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.ExecContext(ctx, "INSERT INTO counters (k, n) VALUES (1, 0), (2, 0)"); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestBatchesOfTwoReplicas runs updates from two store handles on one
// database that take the same two rows in opposite orders, so that on
// PostgreSQL their batches would deadlock if they did not take turns:
// every update counts once, and none fails or has to run again.
func TestBatchesOfTwoReplicas(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a, b := batchDB(t, engine)
			ctx := context.Background()
			const each = 24
			var wg sync.WaitGroup
			errs := make(chan error, 4*each)
			for i, st := range []*Store{a, b, a, b} {
				first, second := 1, 2
				if i%2 == 1 {
					first, second = 2, 1
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						errs <- st.Update(ctx, func(tx dangke.Tx) error {
							db := tx.(*txStore).db
							if _, err := db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = ?", first); err != nil {
								return err
							}
							time.Sleep(2 * time.Millisecond) // the other replica's batch takes its first row meanwhile
							_, err := db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = ?", second)
							return err
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("an update failed: %v", err)
				}
			}
			for k := 1; k <= 2; k++ {
				var n int
				if err := a.db.NewRaw("SELECT n FROM counters WHERE k = ?", k).Scan(ctx, &n); err != nil {
					t.Fatal(err)
				}
				if n != 4*each {
					t.Errorf("counter %d = %d, want %d (each update once)", k, n, 4*each)
				}
			}
			if n := a.rerun.Load() + b.rerun.Load(); n > 0 {
				t.Errorf("%d updates lost a deadlock: the replicas' batches should take turns", n)
			}
		})
	}
}

// TestBatchCallerGivesUp cancels one caller's context in the middle of its
// update while other callers' updates share its batch: only that caller
// fails, and nothing of its update is kept.
func TestBatchCallerGivesUp(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a, _ := batchDB(t, engine)
			ctx := context.Background()
			slow := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" // never ends
			if engine == "postgres" {
				slow = "SELECT pg_sleep(30)"
			}
			quit, cancel := context.WithCancel(ctx)
			gaveUp := make(chan error, 1)
			started := make(chan struct{})
			go func() {
				gaveUp <- a.Update(quit, func(tx dangke.Tx) error {
					db := tx.(*txStore).db
					if _, err := db.ExecContext(quit, "UPDATE counters SET n = n + 100 WHERE k = 1"); err != nil {
						return err
					}
					close(started)
					_, err := db.ExecContext(quit, slow)
					return err
				})
			}()
			<-started
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 { // queued behind the slow one: the same batch or the next
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- a.Update(ctx, func(tx dangke.Tx) error {
						_, err := tx.(*txStore).db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = ?", 1+i%2)
						return err
					})
				}()
			}
			time.Sleep(200 * time.Millisecond)
			cancel()
			select {
			case err := <-gaveUp:
				if err == nil {
					t.Fatal("the cancelled update reported success")
				}
			case <-time.After(15 * time.Second):
				t.Fatal("the cancelled update did not end")
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("another caller's update failed with the cancelled one: %v", err)
				}
			}
			var n1, n2 int
			if err := a.db.NewRaw("SELECT (SELECT n FROM counters WHERE k = 1), (SELECT n FROM counters WHERE k = 2)").Scan(ctx, &n1, &n2); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(n1, n2); got != "10 10" {
				t.Errorf("counters %s, want 10 10 (the cancelled update's +100 rolled back)", got)
			}
			if err := a.Update(ctx, func(tx dangke.Tx) error { return nil }); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("the store after a cancelled caller: %v", err)
			}
		})
	}
}

// TestBatchDeadlockRunAgain has a transaction outside the store take the
// rows of a batched update in the opposite order: PostgreSQL rolls the
// update back as the deadlock's loser, and the store runs it again alone
// instead of failing it.
func TestBatchDeadlockRunAgain(t *testing.T) {
	pgtest.Need(t)
	a, _ := batchDB(t, "postgres")
	ctx := context.Background()
	other, err := a.db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Rollback() }()
	var attempts atomic.Int32
	first, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- a.Update(ctx, func(tx dangke.Tx) error {
			db := tx.(*txStore).db
			if _, err := db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = 1"); err != nil {
				return err
			}
			if attempts.Add(1) == 1 {
				close(first)
				time.Sleep(100 * time.Millisecond) // the other transaction takes row 2
			}
			_, err := db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = 2") // waits for it first: PostgreSQL's deadlock check picks this one
			return err
		})
	}()
	<-first
	if _, err := other.ExecContext(ctx, "UPDATE counters SET n = n + 10 WHERE k = 2"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, err := other.ExecContext(ctx, "UPDATE counters SET n = n + 10 WHERE k = 1"); err != nil {
		t.Fatalf("the other transaction lost the deadlock instead: %v", err)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the update failed instead of running again: %v", err)
	}
	// Alone, it may lose again while the other transaction is still
	// there (PostgreSQL wakes the waiters of a row in no set order).
	if a.rerun.Load() != 1 || attempts.Load() < 2 {
		t.Errorf("run again %d times, %d attempts; want once, and at least 2 attempts", a.rerun.Load(), attempts.Load())
	}
	var n1, n2 int
	if err := a.db.NewRaw("SELECT (SELECT n FROM counters WHERE k = 1), (SELECT n FROM counters WHERE k = 2)").Scan(ctx, &n1, &n2); err != nil {
		t.Fatal(err)
	}
	if n1 != 11 || n2 != 11 {
		t.Errorf("counters %d %d, want 11 11", n1, n2)
	}
}

// TestBatchSwallowedError has one update ignore a statement's error and
// return nil, beside others in its batch: on PostgreSQL that leaves the
// transaction aborted, and the others still commit (run again alone) while
// the one that swallowed the error is told its update failed.
func TestBatchSwallowedError(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a, _ := batchDB(t, engine)
			ctx := context.Background()
			hold := make(chan struct{})
			first := make(chan error, 1)
			go func() { // holds the writer so that the rest queue into one batch
				first <- a.Update(ctx, func(tx dangke.Tx) error { <-hold; return nil })
			}()
			time.Sleep(50 * time.Millisecond)
			swallowed := make(chan error, 1)
			go func() {
				swallowed <- a.Update(ctx, func(tx dangke.Tx) error {
					db := tx.(*txStore).db
					_, _ = db.ExecContext(ctx, "INSERT INTO counters (k, n) VALUES (1, 0)") // a duplicate key, ignored
					return nil
				})
			}()
			time.Sleep(50 * time.Millisecond)
			var wg sync.WaitGroup
			errs := make(chan error, 5)
			for range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- a.Update(ctx, func(tx dangke.Tx) error {
						_, err := tx.(*txStore).db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = 2")
						return err
					})
				}()
			}
			time.Sleep(50 * time.Millisecond)
			close(hold)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("an update beside the one that swallowed an error failed: %v", err)
				}
			}
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			err := <-swallowed
			if engine == "postgres" && err == nil {
				t.Error("the update that swallowed an error on PostgreSQL was reported saved")
			}
			var n int
			if err := a.db.NewRaw("SELECT n FROM counters WHERE k = 2").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			if n != 5 {
				t.Errorf("counter 2 = %d, want 5", n)
			}
		})
	}
}

// TestBatchWriteTurnBounded has another session hold the write turn: an
// update waits for it no longer than the store's bound, then fails, and
// the store writes again once the turn is free.
func TestBatchWriteTurnBounded(t *testing.T) {
	pgtest.Need(t)
	a, _ := batchDB(t, "postgres")
	a.turnWait = 500 * time.Millisecond
	ctx := context.Background()
	other, err := a.db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(writeLock))); err != nil {
		t.Fatal(err)
	}
	bump := func(tx dangke.Tx) error {
		_, err := tx.(*txStore).db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = 1")
		return err
	}
	began := time.Now()
	if err := a.Update(ctx, bump); err == nil {
		t.Fatal("an update went through while another session held the write turn")
	}
	if waited := time.Since(began); waited > 5*time.Second {
		t.Errorf("waited %v for the write turn, bound 0.5 s", waited)
	}
	_ = other.Rollback()
	if err := a.Update(ctx, bump); err != nil {
		t.Fatalf("after the turn was freed: %v", err)
	}
}

// TestBatchFirstFails commits batches whose first updates fail, after
// writing: on SQLite the first update of a transaction runs outside any
// savepoint, so its failure rolls the transaction back and the updates
// after it begin another. Each update keeps its own outcome.
func TestBatchFirstFails(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a, _ := batchDB(t, engine)
			ctx := context.Background()
			errBoom := errors.New("boom")
			add := func(k int, fail bool) *update {
				return &update{ctx: ctx, done: make(chan struct{}), fn: func(tx dangke.Tx) error {
					if _, err := tx.(*txStore).db.ExecContext(ctx, "UPDATE counters SET n = n + 1 WHERE k = ?", k); err != nil {
						return err
					}
					if fail {
						return errBoom
					}
					return nil
				}}
			}
			gone, stop := context.WithCancel(ctx)
			stop()
			cancelled := add(1, false)
			cancelled.ctx = gone
			panics := &update{ctx: ctx, done: make(chan struct{}), fn: func(tx dangke.Tx) error {
				if _, err := tx.(*txStore).db.ExecContext(ctx, "UPDATE counters SET n = n + 100 WHERE k = 1"); err != nil {
					return err
				}
				panic("a bug in the first caller")
			}}
			batches := []struct {
				updates []*update
				saved   string // which updates succeed
			}{
				{[]*update{add(1, true), add(1, false), add(2, true), add(2, false)}, "-+-+"}, // 1 1
				{[]*update{cancelled, add(1, true), panics, add(2, false)}, "---+"},           // 1 2
				{[]*update{add(1, false), add(2, true)}, "+-"},                                // 2 2
				{[]*update{add(1, true)}, "-"},
				{[]*update{add(2, true), add(2, true)}, "--"},
				{[]*update{add(2, false)}, "+"}, // 2 3
			}
			for i, b := range batches {
				a.commit(b.updates)
				for j, u := range b.updates {
					if (u.err == nil) != (b.saved[j] == '+') || u.again {
						t.Errorf("batch %d update %d: err %v again %v", i, j, u.err, u.again)
					}
				}
			}
			var n1, n2 int
			if err := a.db.NewRaw("SELECT (SELECT n FROM counters WHERE k = 1), (SELECT n FROM counters WHERE k = 2)").Scan(ctx, &n1, &n2); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(n1, n2); got != "2 3" {
				t.Errorf("counters %s, want 2 3: a failed update's write was kept or a good one lost", got)
			}
		})
	}
}
