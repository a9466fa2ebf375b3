package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/internal/pgtest"
	"dangke/store"
)

// replicaDB returns a fresh database for engine: a SQLite file, or a
// PostgreSQL schema of its own.
func replicaDB(t *testing.T, engine string) string {
	if engine == "postgres" {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "replicas.db")
}

// openReplica opens one "process": a store handle of its own on db.
func openReplica(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestOutboxReplicas: two replicas (two store handles, two bot.Outbox
// values) over one database sweep the same old pending replies at once,
// at start and again: each is sent exactly once, and its row names the
// replica that sent it. A claim left by a replica killed before its send
// holds until its lease runs out, then one of the others takes it over.
// Over SQLite and, when configured, PostgreSQL.
func TestOutboxReplicas(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) { testOutboxReplicas(t, engine) })
	}
}

func testOutboxReplicas(t *testing.T, engine string) {
	ctx := context.Background()
	db := replicaDB(t, engine)
	st1 := openReplica(t, db)
	st2 := openReplica(t, db)
	if st1.Holder() == st2.Holder() {
		t.Fatalf("two handles, one name %q", st1.Holder())
	}
	var clock atomic.Int64
	start := time.Now()
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }

	// 120 replies saved ten minutes ago by a replica that died before
	// sending them (its claims, from the save, have run out).
	const n = 120
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	saved(t, st1, start.Add(-10*time.Minute), ids...)

	var mu sync.Mutex
	sends := map[string][]string{} // id → the replicas that sent it
	sender := func(name string) func(context.Context, dangke.Outgoing) error {
		return func(_ context.Context, r dangke.Outgoing) error {
			mu.Lock()
			sends[r.Key.ID] = append(sends[r.Key.ID], name)
			mu.Unlock()
			time.Sleep(200 * time.Microsecond) // on its way: the other replica sweeps meanwhile
			return nil
		}
	}
	cfg := bot.OutboxConfig{Shared: true, InFlight: 4, Batch: 50, Now: now}
	c1, c2 := cfg, cfg
	c1.Store, c2.Store = st1, st2
	o1 := bot.NewOutbox("x", c1, nil)
	o2 := bot.NewOutbox("x", c2, nil)
	sweepBoth := func() int {
		var wg sync.WaitGroup
		var total atomic.Int64
		for i, o := range []*bot.Outbox{o1, o2} {
			wg.Go(func() {
				for round := range 3 {
					total.Add(int64(o.Sweep(ctx, sender(fmt.Sprint("r", i+1)), round == 0)))
				}
			})
		}
		wg.Wait()
		return int(total.Load())
	}
	if got := sweepBoth(); got != n {
		t.Fatalf("the sweeps sent %d, want %d", got, n)
	}
	per := map[string]int{}
	for _, id := range ids {
		if len(sends[id]) != 1 {
			t.Fatalf("%s sent %d times: %v", id, len(sends[id]), sends[id])
		}
		per[sends[id][0]]++
	}
	t.Logf("%s: %d replies, sent once each: %v", engine, n, per)
	if rows, err := st1.Pending(ctx, "x", start.Add(-time.Hour), start, 1000); err != nil || len(rows) != 0 {
		t.Fatalf("still pending: %d, %v", len(rows), err)
	}

	// A third replica claims a reply and is killed before it sends it.
	saved(t, st1, start.Add(-10*time.Minute), "k")
	st3 := openReplica(t, db)
	key := dangke.MessageKey{Platform: "x", Chat: "c1", ID: "k"}
	if won, err := st3.ClaimSend(ctx, key, now(), dangke.ClaimLease, false); err != nil || !won {
		t.Fatalf("claim: %v, %v", won, err)
	}
	st3.Close()
	if won, err := st1.ClaimSend(ctx, key, now(), dangke.ClaimLease, false); err != nil || won {
		t.Fatalf("a live claim taken: %v, %v", won, err)
	}
	if got := sweepBoth(); got != 0 || len(sends["k"]) != 0 {
		t.Fatalf("sent under another's claim: %d %v", got, sends["k"])
	}
	clock.Add(int64(dangke.ClaimLease + time.Second)) // the lease runs out
	if got := sweepBoth(); got != 1 || len(sends["k"]) != 1 {
		t.Fatalf("after the lease: %d sent, k by %v", got, sends["k"])
	}
	if rows, err := st1.Pending(ctx, "x", start.Add(-time.Hour), now(), 1000); err != nil || len(rows) != 0 {
		t.Fatalf("still pending: %d, %v", len(rows), err)
	}
}

// TestClaimSend: a claim is held against others until its lease ends, is
// renewed by its holder, taken by force, and never granted on a row that
// is sent; a reply is saved claimed by the replica that saved it.
func TestClaimSend(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := replicaDB(t, engine)
			st1, st2 := openReplica(t, db), openReplica(t, db)
			now := time.Now()
			saved(t, st1, now, "a")
			key := dangke.MessageKey{Platform: "x", Chat: "c1", ID: "a"}
			check := func(st *store.Store, at time.Time, force, want bool) {
				t.Helper()
				if won, err := st.ClaimSend(ctx, key, at, dangke.ClaimLease, force); err != nil || won != want {
					t.Fatalf("claim at +%s force %v: %v, %v; want %v", at.Sub(now), force, won, err, want)
				}
			}
			check(st2, now, false, false)                                  // saved by st1: its claim
			check(st1, now.Add(time.Minute), false, true)                  // held for another minute at least: kept
			check(st1, now.Add(90*time.Second), false, true)               // renewed by its holder, to +3m30s
			check(st2, now.Add(3*time.Minute+time.Second), false, false)   // still held
			check(st2, now.Add(3*time.Minute+31*time.Second), false, true) // run out: taken over
			check(st1, now.Add(3*time.Minute+31*time.Second), true, true)  // by force
			if _, err := st2.MarkSent(ctx, key, now); err != nil {
				t.Fatal(err)
			}
			check(st1, now.Add(time.Hour), true, false) // sent

			// A proactive message keeps its files and mentions for a 补发.
			png := dangke.File{Name: "温县-上台率.png", MIME: "image/png", Data: []byte("\x89PNG\r\n\x00\xff")}
			out := dangke.Outgoing{Key: dangke.MessageKey{Platform: "x", Chat: "c2", ID: "digest:2019-W28"}, Kind: dangke.SendDigest,
				Text: "周报", At: now.Add(-time.Hour), Files: []dangke.File{png}, Mentions: []string{"x:u1"}}
			if err := st2.Update(ctx, func(tx dangke.Tx) error { _, err := tx.SaveOutgoing(ctx, out); return err }); err != nil {
				t.Fatal(err)
			}
			rows, err := st1.Pending(ctx, "x", now.Add(-2*time.Hour), now, 10)
			if err != nil || len(rows) != 1 || len(rows[0].Files) != 1 || string(rows[0].Files[0].Data) != string(png.Data) ||
				rows[0].Files[0].Name != png.Name || rows[0].Files[0].MIME != png.MIME || len(rows[0].Mentions) != 1 || rows[0].Mentions[0] != "x:u1" {
				t.Fatalf("pending %+v %v", rows, err)
			}
		})
	}
}
