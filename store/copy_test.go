package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/internal/pgtest"
	"dangke/store"
)

// TestCopyToPostgres copies a SQLite deployment into an empty PostgreSQL
// database: every row, the same figures, identities continuing after the
// copied ids, the triggers on again; a second copy is refused.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := addPath(t, src, "温县/城关镇/第一党支部", 10)
	b := addPath(t, src, "孟州市/河阳街道/第二党支部", 0)
	addPath(t, src, "温县/祥云镇", 0)
	for i := range 30 {
		u := a
		if i%3 == 0 {
			u = b
		}
		addLecture(t, src, dangke.Lecture{UnitID: u.ID, Speaker: []string{"张三", "李四", "王五"}[i%3], Position: "支部书记",
			Title: "《我和我的祖国》", Date: day("2019-07-01").AddDate(0, 0, i), Attendees: 10 + i, Leader: i%2 == 0, Chat: "c", CreatedAt: time.Now()})
	}
	gone := addLecture(t, src, dangke.Lecture{UnitID: a.ID, Speaker: "赵六", Position: "党员", Title: "《x》", Date: day("2019-07-02"), Attendees: 5, Chat: "c", CreatedAt: time.Now()})
	if err := src.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.WithdrawLecture(ctx, gone, "console:admin", time.Now()); err != nil {
			return err
		}
		if err := tx.Grant(ctx, dangke.Role{Person: "test:x", UnitID: a.ID, GrantedBy: "console:admin", GrantedAt: time.Now()}); err != nil {
			return err
		}
		k := &dangke.Contest{Name: "比赛", CreatedAt: time.Now()}
		if err := tx.AddContest(ctx, k); err != nil {
			return err
		}
		return tx.AddJudge(ctx, dangke.Judge{ContestID: k.ID, Person: "test:j", Name: "评委"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := src.SaveConversation(ctx, "k", []byte(`{}`), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	dst, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	rep, err := store.Copy(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Print(&out)
	if !rep.OK() || !strings.Contains(out.String(), "lectures") || !strings.Contains(out.String(), "温县") {
		t.Fatalf("comparison:\n%s", out.String())
	}
	if c, err := dst.CheckTotals(ctx, false); err != nil || !c.OK() {
		t.Fatalf("kept totals on PostgreSQL: %v %v", c, err)
	}
	// New rows continue after the copied ids, and the triggers count them.
	id := addLecture(t, dst, dangke.Lecture{UnitID: a.ID, Speaker: "新人", Position: "党员", Title: "《y》", Date: day("2019-08-01"), Attendees: 3, Chat: "c", CreatedAt: time.Now()})
	if id <= gone {
		t.Fatalf("new lecture id %d after copied id %d", id, gone)
	}
	if c, err := dst.CheckTotals(ctx, false); err != nil || !c.OK() {
		t.Fatalf("kept totals after a new lecture: %v %v", c, err)
	}
	if _, err := store.Copy(ctx, src, dst); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("copy into a non-empty database: %v", err)
	}
}
