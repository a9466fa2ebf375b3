package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dangke"
)

// A staged import is invisible until published, is published whole (a
// phone taken meanwhile stays with the chat's lecturer and is reported), and
// its staged rows are discarded afterwards, on both engines; a later
// lecturer added one at a time gets an id past the published ones.
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
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.StageInstructors(ctx, batch, 1, list) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PoolSize(ctx, u.TopID); got != 0 {
			t.Fatalf("staged rows are visible: pool of %d", got)
		}
		clash := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "王芳", Gender: "女", BirthY: 1990, BirthM: 1, Position: "教师", Phone: list[7].Phone, Author: "chat"}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &clash) }); err != nil {
			t.Fatal(err)
		}
		var added int
		var clashes []dangke.Instructor
		err := s.Update(ctx, func(tx dangke.Tx) error {
			var err error
			_, added, clashes, err = tx.PublishInstructors(ctx, batch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if added != n-1 || len(clashes) != 1 || clashes[0].Phone != clash.Phone {
			t.Fatalf("published %d with clashes %v, want %d and the phone %s", added, clashes, n-1, clash.Phone)
		}
		if got, _ := s.PoolSize(ctx, u.TopID); got != n {
			t.Fatalf("pool of %d after the publish, want %d", got, n)
		}
		discarded := 0
		for {
			var k int
			if err := s.Update(ctx, func(tx dangke.Tx) error {
				var err error
				k, err = tx.DiscardStaged(ctx, batch, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
			discarded += k
		}
		if discarded != n-1 {
			t.Errorf("discarded %d staged rows, want %d", discarded, n-1)
		}
		later := dangke.Instructor{PoolID: u.TopID, UnitID: u.ID, Name: "赵六", Gender: "男", BirthY: 1980, BirthM: 5, Position: "教师", Phone: "13900000000", Author: "chat"}
		if err := s.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &later) }); err != nil {
			t.Fatalf("a lecturer after the import: %v", err)
		}
		if got, _ := s.PoolSize(ctx, u.TopID); got != n+1 {
			t.Fatalf("pool of %d, want %d", got, n+1)
		}
	})
}
