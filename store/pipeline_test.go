package store

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/internal/pgtest"
)

// lectureWrites makes the writes of a lecture that nothing reads (the
// member note, the audit row, the [撤销] button) and reports how many
// statements wait on the pipeline after them.
func lectureWrites(ctx context.Context, tx dangke.Tx, chat dangke.ChatRef, hash string, at time.Time) (int, error) {
	t := tx.(*txStore)
	if err := t.NoteMember(ctx, "b:u1", chat, at); err != nil {
		return 0, err
	}
	if err := t.Audit(ctx, dangke.AuditEntry{At: at, Actor: "b:u1", Chat: chat.Key(), Action: "lecture.add", Entity: dangke.EntryLecture, EntityID: 1, Detail: hash}); err != nil {
		return 0, err
	}
	a := dangke.PendingAction{Group: hash, Chat: chat.Key(), Person: "b:u1", Label: "撤销", Answer: "/撤销", Expires: at.Add(time.Hour), Created: at}
	if err := t.AddActions(ctx, []string{hash}, []dangke.PendingAction{a}); err != nil {
		return 0, err
	}
	if t.pipe == nil {
		return 0, nil
	}
	return len(t.pipe.queue), nil
}

func count(t *testing.T, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPipelineWaits has an update make the writes of a lecture that
// nothing reads: on PostgreSQL they wait on the pipeline (with the
// savepoint) and go with the saved reply, in one round trip; on both
// engines every row is there after the commit.
func TestPipelineWaits(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _ := batchDB(t, engine)
			ctx := context.Background()
			chat := dangke.ChatRef{Platform: "b", ID: "g1", Group: true}
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			err := s.Update(ctx, func(tx dangke.Tx) error {
				waiting, err := lectureWrites(ctx, tx, chat, "h1", at)
				if err != nil {
					return err
				}
				if engine == "postgres" && waiting != 4 { // the savepoint and three writes
					t.Errorf("%d statements wait on the pipeline, want 4", waiting)
				}
				if err := tx.SaveReply(ctx, dangke.MessageKey{Platform: "b", Chat: "g1", ID: "m1"}, "已登记", "", at); err != nil {
					return err
				}
				if p := tx.(*txStore).pipe; p != nil && len(p.queue) != 0 {
					t.Errorf("%d statements still wait after the saved reply", len(p.queue))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]int{
				"SELECT count(*) FROM chat_members WHERE person = 'b:u1'": 1,
				"SELECT count(*) FROM audit WHERE detail = 'h1'":          1,
				"SELECT count(*) FROM button_actions WHERE hash = 'h1'":   1,
				"SELECT count(*) FROM messages WHERE msg_id = 'm1'":       1,
			} {
				if n := count(t, s, q); n != want {
					t.Errorf("%s: %d, want %d", q, n, want)
				}
			}
		})
	}
}

// TestPipelineWaitingWriteFails has one update of a batch make a write
// that fails only when it is sent (a second button with the same hash):
// that update fails and leaves nothing, and the updates beside it in the
// batch are saved.
func TestPipelineWaitingWriteFails(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _ := batchDB(t, engine)
			ctx := context.Background()
			chat := dangke.ChatRef{Platform: "b", ID: "g1", Group: true}
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			hold := make(chan struct{})
			first := make(chan error, 1)
			go func() { // holds the writer so that the rest queue into one batch
				first <- s.Update(ctx, func(tx dangke.Tx) error { <-hold; return nil })
			}()
			time.Sleep(50 * time.Millisecond)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Update(ctx, func(tx dangke.Tx) error {
						hash := []string{"a", "dup", "c"}[i]
						if _, err := lectureWrites(ctx, tx, chat, hash, at); err != nil {
							return err
						}
						if hash == "dup" { // the same button again: refused when it reaches the server
							_, err := lectureWrites(ctx, tx, chat, hash, at)
							return err
						}
						return nil
					})
				}()
				time.Sleep(20 * time.Millisecond) // in this order
			}
			time.Sleep(50 * time.Millisecond)
			close(hold)
			wg.Wait()
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if errs[0] != nil || errs[2] != nil {
				t.Errorf("the updates beside the failing one failed: %v, %v", errs[0], errs[2])
			}
			if errs[1] == nil || !isUnique(errs[1]) {
				t.Errorf("the update with the duplicate button: %v, want its unique violation", errs[1])
			}
			for q, want := range map[string]int{
				"SELECT count(*) FROM audit WHERE detail = 'dup'":        0,
				"SELECT count(*) FROM button_actions WHERE hash = 'dup'": 0,
				"SELECT count(*) FROM button_actions":                    2,
				"SELECT count(*) FROM audit":                             2,
			} {
				if n := count(t, s, q); n != want {
					t.Errorf("%s: %d, want %d", q, n, want)
				}
			}
		})
	}
}

// TestPrefetch reads what the router reads first in one go: the answers
// are those of the reads one by one, and an update through the store ends
// them (the chat bound again is read again).
func TestPrefetch(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _ := batchDB(t, engine)
			ctx := context.Background()
			chat := dangke.ChatRef{Platform: "b", ID: "g1", Group: true}
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			var a, b dangke.Unit
			err := s.Update(ctx, func(tx dangke.Tx) error {
				a = dangke.Unit{Name: "甲"}
				if err := tx.AddUnit(ctx, &a); err != nil {
					return err
				}
				b = dangke.Unit{Name: "乙", ParentID: a.ID}
				if err := tx.AddUnit(ctx, &b); err != nil {
					return err
				}
				l := &dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "党员", Title: "课", Date: at, Attendees: 10,
					Form: dangke.Forms[0], Author: "b:u1", Chat: chat.Key(), CreatedAt: at}
				if err := tx.AddLecture(ctx, l); err != nil {
					return err
				}
				if err := tx.BindChat(ctx, chat, a.ID, "b:admin", at); err != nil {
					return err
				}
				return tx.Grant(ctx, dangke.Role{Person: "b:u1", UnitID: a.ID, GrantedBy: "b:admin", GrantedAt: at})
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SaveConversation(ctx, "b:g1 b:u1", []byte(`{"x":1}`), at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			key := dangke.MessageKey{Platform: "b", Chat: "g1", ID: "m1"}
			pctx := s.Prefetch(ctx, key, "b:g1 b:u1", chat, "b:u1")
			if _, ok := pctx.Value(prefetchKey{}).(*prefetched); ok != (engine == "postgres") {
				t.Errorf("prefetched: %v on %s", ok, engine)
			}
			if _, found, err := s.Reply(pctx, key); err != nil || found {
				t.Errorf("reply: %v %v, want none", found, err)
			}
			if state, _, ok, err := s.PeekConversation(pctx, "b:g1 b:u1"); err != nil || !ok || string(state) != `{"x":1}` {
				t.Errorf("conversation: %q %v %v", state, ok, err)
			}
			if u, err := s.ChatUnit(pctx, chat); err != nil || u == nil || u.ID != a.ID {
				t.Errorf("chat unit: %+v %v, want %d", u, err, a.ID)
			}
			if r, err := s.Roles(pctx, "b:u1"); err != nil || len(r) != 1 || r[0].UnitID != a.ID {
				t.Errorf("roles: %+v %v", r, err)
			}
			// A lecturer's first lecture in a unit: the namesakes come with
			// the count of their lectures there.
			from, to := at.AddDate(0, 0, -3), at.AddDate(0, 0, 3)
			if total, near, err := s.SpeakerLectures(pctx, a.ID, "张三", from, to); err != nil || total != 0 || near != 0 {
				t.Errorf("speaker lectures: %d %d %v", total, near, err)
			}
			if p, ok := pctx.Value(prefetchKey{}).(*prefetched); ok && !p.namesOK {
				t.Error("the namesakes were not read with the speaker's lectures")
			}
			if n, err := s.Namesakes(pctx, a.ID, "张三"); err != nil || len(n) != 1 || n[0].UnitID != b.ID {
				t.Errorf("namesakes: %+v %v, want the one in %d", n, err, b.ID)
			}
			if total, _, err := s.SpeakerLectures(ctx, b.ID, "张三", from, to); err != nil || total != 1 {
				t.Errorf("speaker lectures in 乙: %d %v", total, err)
			}
			// The chat bound to another unit in this request: read again.
			pctx = s.Prefetch(ctx, key, "", chat, "")
			err = s.Update(pctx, func(tx dangke.Tx) error { return tx.BindChat(pctx, chat, b.ID, "b:admin", at) })
			if err != nil {
				t.Fatal(err)
			}
			if u, err := s.ChatUnit(pctx, chat); err != nil || u == nil || u.ID != b.ID {
				t.Errorf("chat unit after binding again: %+v %v, want %d", u, err, b.ID)
			}
		})
	}
}

// TestPipelineFiguresAhead adds a lecture and reads its unit's figures in
// the same update, as /党课's confirmation does: on PostgreSQL they come
// back with the insert, and they are those read afterwards; a statement
// sent in between (the unit's members set) makes them read again.
func TestPipelineFiguresAhead(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s, _ := batchDB(t, engine)
			ctx := context.Background()
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			var unit dangke.Unit
			if err := s.Update(ctx, func(tx dangke.Tx) error {
				unit = dangke.Unit{Name: "甲", Members: 30}
				return tx.AddUnit(ctx, &unit)
			}); err != nil {
				t.Fatal(err)
			}
			add := func(tx dangke.Tx, speaker string) error {
				return tx.AddLecture(ctx, &dangke.Lecture{UnitID: unit.ID, Speaker: speaker, Position: "党员", Title: "课", Date: at,
					Attendees: 10, Form: dangke.Forms[0], Author: "b:u1", Chat: "b:g1", CreatedAt: at})
			}
			var inside, changed dangke.Figures
			err := s.Update(ctx, func(tx dangke.Tx) error {
				if err := add(tx, "张三"); err != nil {
					return err
				}
				if p := tx.(*txStore).pipe; p != nil && (p.ahead == nil || p.ahead.unit != unit.ID) {
					t.Error("the unit's figures did not come back with the insert")
				}
				var err error
				if inside, err = tx.Figures(ctx, unit.ID, dangke.Period{}); err != nil {
					return err
				}
				if err := add(tx, "李四"); err != nil {
					return err
				}
				if err := tx.SetMembers(ctx, unit.ID, 99); err != nil {
					return err
				}
				changed, err = tx.Figures(ctx, unit.ID, dangke.Period{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if inside.Lectures != 1 || inside.Speakers != 1 || inside.Members != 30 {
				t.Errorf("figures after the first lecture: %+v", inside)
			}
			after, err := s.Figures(ctx, unit.ID, dangke.Period{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(changed, after) || changed.Members != 99 || changed.Lectures != 2 {
				t.Errorf("figures after the members were set: %+v, read afterwards %+v", changed, after)
			}
		})
	}
}
