package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"dangke"
)

// A staged import is invisible to every reader until published, and is
// published whole by one short transaction; a phone taken from a chat
// before a row is staged stays with the chat's lecturer and the row gets no
// id; one staged cannot be registered from a chat meanwhile (the refusal
// says why); discarding touches only what is still pending; on both
// engines. A later lecturer added one at a time gets an id past the
// published ones.
func TestStagedImport(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		u := addPath(t, s, "温县/一中", 0)
		const n = 150 // over two staging statements and a remainder
		var list []*dangke.Instructor
		for i := range n {
			list = append(list, &dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "李四", Gender: "女", BirthY: 1985, BirthM: 3,
				Position: "教师", Phone: fmt.Sprintf("138%08d", i), Author: "x", CreatedAt: time.Now()})
		}
		batch := time.Now().UnixNano()
		clash := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "王芳", Gender: "女", BirthY: 1990, BirthM: 1, Position: "教师", Phone: list[7].Phone, Author: "chat"}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &clash) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.StageInstructors(ctx, batch, list[:100]) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.StageInstructors(ctx, batch, list[100:]) }); err != nil {
			t.Fatal(err)
		}
		for i, in := range list {
			if (in.ID == 0) != (i == 7) {
				t.Fatalf("row %d staged as %d", i, in.ID)
			}
		}
		visible := func() int {
			t.Helper()
			got, err := s.PoolSize(ctx, u.TopID)
			if err != nil {
				t.Fatal(err)
			}
			pool, err := s.Instructors(ctx, u.TopID)
			if err != nil || len(pool) != got {
				t.Fatalf("PoolSize %d, Instructors %d %v", got, len(pool), err)
			}
			if _, err := s.Instructor(ctx, list[0].ID); (err == nil) != (got > 1) {
				t.Fatalf("lecturer %d by id: %v with a pool of %d", list[0].ID, err, got)
			}
			return got
		}
		if got := visible(); got != 1 {
			t.Fatalf("staged rows are visible: pool of %d", got)
		}
		taken := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "赵六", Gender: "男", BirthY: 1980, BirthM: 5, Position: "教师", Phone: list[9].Phone, Author: "chat"}
		err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &taken) })
		if dangke.ErrorCode(err) != dangke.ECONFLICT || !strings.Contains(dangke.ErrorMessage(err), "正在由一次师资库导入登记") {
			t.Fatalf("a phone of the import from a chat: %v", err)
		}
		// Discarding another batch's rows leaves these alone.
		if err := s.Update(ctx, func(tx dangke.Tx) error {
			k, err := tx.DiscardStaged(ctx, batch+1, 100)
			if k != 0 {
				t.Errorf("discarded %d rows of another import", k)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.PublishInstructors(ctx, batch) }); err != nil {
			t.Fatal(err)
		}
		if got := visible(); got != n {
			t.Fatalf("pool of %d after the publish, want %d", got, n)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.PublishInstructors(ctx, batch) }); err == nil {
			t.Fatal("published twice")
		}
		// Published rows are no longer the import's to discard.
		if err := s.Update(ctx, func(tx dangke.Tx) error {
			k, err := tx.DiscardStaged(ctx, batch, 100)
			if k != 0 {
				t.Errorf("discarded %d published rows", k)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := visible(); got != n {
			t.Fatalf("pool of %d after a discard, want %d", got, n)
		}
		// An import stopped half-way is discarded whole, its phones free again.
		stopped := batch + 2
		var more []*dangke.Instructor
		for i := range 150 {
			more = append(more, &dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "周七", Gender: "男", BirthY: 1985, BirthM: 3,
				Position: "教师", Phone: fmt.Sprintf("137%08d", i), Author: "x", CreatedAt: time.Now()})
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.StageInstructors(ctx, stopped, more) }); err != nil {
			t.Fatal(err)
		}
		discarded := 0
		for {
			var k int
			if err := s.Update(ctx, func(tx dangke.Tx) error {
				var err error
				k, err = tx.DiscardStaged(ctx, stopped, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
			discarded += k
		}
		if discarded != 150 {
			t.Errorf("discarded %d rows, want 150", discarded)
		}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.PublishInstructors(ctx, stopped) }); err == nil {
			t.Fatal("a discarded import was published")
		}
		again := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "周七", Gender: "男", BirthY: 1985, BirthM: 3, Position: "教师", Phone: more[3].Phone, Author: "chat"}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &again) }); err != nil {
			t.Fatalf("a phone of a discarded import: %v", err)
		}
		later := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "赵六", Gender: "男", BirthY: 1980, BirthM: 5, Position: "教师", Phone: "13900000000", Author: "chat"}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &later) }); err != nil {
			t.Fatalf("a lecturer after the import: %v", err)
		}
		if got, _ := s.PoolSize(ctx, u.TopID); got != n+2 {
			t.Fatalf("pool of %d, want %d", got, n+2)
		}
	})
}
