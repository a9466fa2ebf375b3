package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// A withdrawn lecturer's number is masked once the undo window is over; a
// lecturer still in the pool keeps it; purge removes old message records.
func TestPersonalDataPurged(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2019, 7, 10, 10, 0, 0, 0, time.UTC)
	var kept, gone int64
	err = st.Update(ctx, func(tx dangke.Tx) error {
		u := &dangke.Unit{Name: "温县", Kind: dangke.KindCounty}
		if err := tx.AddUnit(ctx, u); err != nil {
			return err
		}
		for i, phone := range []string{"13812345678", "13900001111"} {
			in := &dangke.Instructor{PoolID: u.ID, UnitID: u.ID, Name: "李四", Gender: "女", BirthY: 1985, BirthM: 3,
				Workplace: "县委党校", Position: "教师", Phone: phone, Author: "t:a", Chat: "t:c", CreatedAt: now}
			if err := tx.AddInstructor(ctx, in); err != nil {
				return err
			}
			if i == 0 {
				kept = in.ID
			} else {
				gone = in.ID
			}
		}
		if err := tx.WithdrawInstructor(ctx, gone, "t:a", now); err != nil {
			return err
		}
		return tx.SaveReply(ctx, dangke.MessageKey{Platform: "t", Chat: "c", ID: "m1"}, "已登记", "", now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.ClearRemovedPhones(ctx, now); err != nil || n != 0 {
		t.Fatalf("within the window: %d masked, %v", n, err)
	}
	if n, err := st.ClearRemovedPhones(ctx, now.Add(25*time.Hour)); err != nil || n != 1 {
		t.Fatalf("after the window: %d masked, %v", n, err)
	}
	var phones []string
	if err := st.DB().NewRaw("SELECT phone FROM instructors WHERE id IN (?, ?) ORDER BY id", kept, gone).Scan(ctx, &phones); err != nil {
		t.Fatal(err)
	}
	if phones[0] != "13812345678" || phones[1] != "139****1111" {
		t.Fatalf("phones %v", phones)
	}
	if n, err := st.Purge(ctx, now.Add(time.Hour), "cli:test"); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if _, found, _ := st.Reply(ctx, dangke.MessageKey{Platform: "t", Chat: "c", ID: "m1"}); found {
		t.Fatal("purged reply still there")
	}
}

// PruneReplies deletes sent replies older than the cut-off, in batches,
// and never a pending one, however old.
func TestPruneReplies(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2019, 7, 10, 10, 0, 0, 0, time.UTC)
	key := func(i int) dangke.MessageKey {
		return dangke.MessageKey{Platform: "t", Chat: "c", ID: fmt.Sprint("m", i)}
	}
	// 4,500 old sent, 3 old pending, 2 recent sent.
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for i := range 4510 {
			at := now.Add(-5 * 24 * time.Hour)
			if i >= 4508 {
				at = now.Add(-time.Hour)
			}
			if err := tx.SaveReply(ctx, key(i), "已登记", "", at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4510 {
		if i >= 4500 && i < 4503 {
			continue // left pending
		}
		if _, err := st.MarkSent(ctx, key(i), now); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.PruneReplies(ctx, now.Add(-3*24*time.Hour))
	if err != nil || n != 4505 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	for i, want := range map[int]bool{0: false, 4499: false, 4500: true, 4502: true, 4503: false, 4508: true, 4509: true} {
		if _, found, _ := st.Reply(ctx, key(i)); found != want {
			t.Errorf("reply %d: found %v, want %v", i, found, want)
		}
	}
}
