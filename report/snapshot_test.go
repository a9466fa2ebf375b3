package report_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/report"
)

// TestForm1OneMoment writes 附件1 again and again while lectures are
// logged: the footer's count and the rows written are always the same
// number, read in one snapshot (dangke.InSnapshot) — a form to be stamped
// never counts a lecture its table does not list.
func TestForm1OneMoment(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	branch, err := st.UnitByPath(ctx, "温县/城关镇/第一党支部")
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			l := dangke.Lecture{UnitID: branch.ID, Speaker: fmt.Sprint("讲课人", i%7), Position: "党员", Title: "课",
				Date: time.Date(2019, 7, 1+i%60, 0, 0, 0, 0, cst), Attendees: 10, Form: "普通", Author: "x", Chat: "x"}
			if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &l) }); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	count := regexp.MustCompile(`共计 (\d+) 次`)
	forms := 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); forms++ {
		err := dangke.InSnapshot(ctx, st, func(r dangke.Reader) error {
			f, err := report.Form1(ctx, r, "焦作市", "", county, dangke.Period{}, today)
			if err != nil {
				return err
			}
			if _, err := f.CSV(); err != nil {
				return err
			}
			if m := count.FindStringSubmatch(f.Footer); m == nil || m[1] != fmt.Sprint(f.RowCount()) {
				t.Errorf("footer %q, %d rows written", f.Footer, f.RowCount())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if forms < 3 {
		t.Fatalf("only %d forms written", forms)
	}
}
