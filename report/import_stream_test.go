package report_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dangke"
	"dangke/report"
	"dangke/store"
)

// lecturerLine is row i of a generated pool file: 姓名,性别,出生年月,单位,职务,手机号,县市区.
func lecturerLine(i int) []string {
	return []string{"宣讲员" + string(rune('甲'+i%100)), "女", fmt.Sprintf("19%02d-%02d", 60+i%40, 1+i%12), "温县一中", "教师",
		fmt.Sprintf("13%09d", i), "温县"}
}

// writePool writes a lecturer pool of n rows to dir as CSV or XLSX (a
// streamed sheet, as large files are saved), with change(line, row) able to
// alter a row by its line number (the header is line 1).
func writePool(tb testing.TB, dir, format string, n int, change func(line int, row []string)) string {
	tb.Helper()
	header := []string{"姓名", "性别", "出生年月", "单位", "职务", "手机号", "县市区"}
	path := filepath.Join(dir, "师资库."+format)
	if format == "csv" {
		f, err := os.Create(path)
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString(strings.Join(header, ",") + "\n")
		for i := range n {
			row := lecturerLine(i)
			if change != nil {
				change(i+2, row)
			}
			w.WriteString(strings.Join(row, ",") + "\n")
		}
		if err := errors.Join(w.Flush(), f.Close()); err != nil {
			tb.Fatal(err)
		}
		return path
	}
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	cells := make([]any, len(header))
	put := func(line int, row []string) {
		for j, v := range row {
			cells[j] = v
		}
		if err := sw.SetRow("A"+strconv.Itoa(line), cells); err != nil {
			tb.Fatal(err)
		}
	}
	put(1, header)
	for i := range n {
		row := lecturerLine(i)
		if change != nil {
			change(i+2, row)
		}
		put(i+2, row)
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
	return path
}

func poolSize(t *testing.T, st dangke.Reader, county int64) int {
	t.Helper()
	list, err := st.Instructors(context.Background(), county)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// A bad row and a duplicate deep in a file, CSV or XLSX, leave the pool as
// it was; each is reported by its line and field. The same file without
// them goes in whole, read from disk in both passes.
func TestImportStreamAllOrNothing(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			st := openStore(t)
			county := seed(t, st)
			before := poolSize(t, st, county.ID)
			const n = 3000
			path := writePool(t, t.TempDir(), format, n, func(line int, row []string) {
				switch line {
				case 2001:
					row[2] = "1983年13月"
				case 2500:
					row[5] = lecturerLine(8)[5] // the phone of line 10
				}
			})
			src, err := report.OpenFile(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			res, err := importer(st).Instructors(ctx, src, nil)
			msg := dangke.ErrorMessage(err)
			if err == nil || !strings.Contains(msg, "2 行有问题，未导入任何内容") || !strings.Contains(msg, "第 2001 行：出生年月") ||
				!strings.Contains(msg, "第 2500 行：手机号 130****0008 与第 10 行重复") {
				t.Fatalf("%v %+v", msg, res)
			}
			if got := poolSize(t, st, county.ID); got != before {
				t.Fatalf("pool %d → %d after a refused import", before, got)
			}

			good := writePool(t, t.TempDir(), format, n, nil)
			src2, err := report.OpenFile(good, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer src2.Close()
			if res, err := importer(st).Instructors(ctx, src2, nil); err != nil || res.Added != n {
				t.Fatalf("%+v %v", res, err)
			}
			if got := poolSize(t, st, county.ID); got != before+n {
				t.Fatalf("pool %d, want %d", got, before+n)
			}
		})
	}
}

// A phone number registered from a chat between the check and the end of
// the import keeps the chat's lecturer; the import reports the row it left
// out and adds the rest.
func TestImportClashDuringImport(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	im := importer(st)
	im.Progress = func(s report.Step) {
		if s.Stage == "检查" && s.Final {
			in := dangke.Instructor{PoolID: county.ID, UnitID: county.ID, Name: "群里登记", Gender: "男", BirthY: 1980, BirthM: 1,
				Workplace: "县委党校", Position: "教师", Phone: lecturerLine(5)[5], Author: "x", Chat: "x", CreatedAt: today}
			if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &in) }); err != nil {
				t.Error(err)
			}
		}
	}
	res, err := im.Instructors(ctx, lecturerRows(100), nil)
	if err != nil || res.Added != 99 || res.Invalid != 1 || !strings.Contains(res.Problems[0].Message, "在导入期间已由他人登记") {
		t.Fatalf("%+v %v", res, err)
	}
	list, _ := st.Instructors(ctx, county.ID)
	for _, x := range list {
		if x.Phone == lecturerLine(5)[5] && x.Name != "群里登记" {
			t.Fatalf("the chat's lecturer was replaced: %+v", x)
		}
	}
}

// An import stopped in its write pass (here cancelled; a crash is the
// same) leaves the pool untouched: its batches were staged, never
// published.
func TestImportStoppedHalfWay(t *testing.T) {
	st := openStore(t)
	county := seed(t, st)
	before := poolSize(t, st, county.ID)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	im := importer(st)
	im.Batch, im.Pause = time.Millisecond, time.Millisecond
	written := 0
	im.Progress = func(s report.Step) {
		if s.Stage == "写入" && !s.Final {
			if written = s.Done; written >= 2000 {
				cancel()
			}
		}
	}
	_, err := im.Instructors(ctx, lecturerRows(20000), nil)
	if !errors.Is(err, context.Canceled) || written < 2000 {
		t.Fatalf("%v after %d rows", err, written)
	}
	if got := poolSize(t, st, county.ID); got != before {
		t.Fatalf("pool %d → %d after a stopped import", before, got)
	}
	// And the same file afterwards goes in whole.
	if res, err := importer(st).Instructors(context.Background(), lecturerRows(20000), nil); err != nil || res.Added != 20000 {
		t.Fatalf("%+v %v", res, err)
	}
}

// A file of many wrong rows keeps only the first MaxProblems of them, and
// says how many there were.
func TestImportProblemsCapped(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	rows := lecturerRows(report.MaxProblems + 500)
	for _, r := range rows[1:] {
		r[1] = "未知"
	}
	res, err := importer(st).Instructors(context.Background(), rows, nil)
	if err == nil || res.Invalid != report.MaxProblems+500 || len(res.Problems) != report.MaxProblems ||
		!strings.Contains(dangke.ErrorMessage(err), fmt.Sprintf("%d 行有问题", report.MaxProblems+500)) ||
		!strings.Contains(dangke.ErrorMessage(err), fmt.Sprintf("另有 %d 行", report.MaxProblems+450)) {
		t.Fatalf("%d %d %v", res.Invalid, len(res.Problems), err)
	}
}

// BenchmarkImport1M imports a generated lecturer pool file from disk,
// CSV and XLSX (inline strings as excelize's stream writer saves them, and
// xlsx-sst: shared strings and date cells as an office suite saves them,
// a shared string a phone): check every row, then write pending rows in
// short transactions with breaks and publish them in one more. The store is
// opened as dangke import opens it (a small page cache, no memory map).
// 50,000 rows unless BENCH_IMPORT_ROWS says
// how many (1000000 for the target: under 60 s, under 200 MB).
// It reports rows a second, peak resident memory of the process during
// the import (VmHWM, reset after the file is written), the peak of its
// anonymous part (RssAnon, sampled every 50 ms: the Go heap, SQLite's page
// cache), of what the Go runtime holds (sampled likewise), how long the
// last, publishing transaction and the longest of all held the database's
// writer, and the CPU time the import took (the machine may be shared:
// wall time alone says little).
func BenchmarkImport1M(b *testing.B) {
	n := 50000
	if v := os.Getenv("BENCH_IMPORT_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("BENCH_IMPORT_ROWS=%q: a row count", v)
		}
	}
	for _, format := range []string{"csv", "xlsx", "xlsx-sst"} {
		b.Run(format, func(b *testing.B) {
			var path string
			if format == "xlsx-sst" { // every string shared, as an office suite saves it
				path = report.WriteSSTPool(b, b.TempDir(), n)
			} else {
				path = writePool(b, b.TempDir(), format, n, nil)
			}
			ctx := context.Background()
			var took, publish, longest, cpu time.Duration
			txs := 0
			var anon, goMem float64
			for b.Loop() {
				b.StopTimer()
				// As dangke import opens it: a small page cache, no memory map.
				st, err := store.OpenWith(ctx, filepath.Join(b.TempDir(), "r.db"), store.Options{CacheKiB: store.ImportCacheKiB, MapBytes: -1})
				if err != nil {
					b.Fatal(err)
				}
				seed(b, st)
				src, err := report.OpenFile(path, 1<<30)
				if err != nil {
					b.Fatal(err)
				}
				resetPeak()
				timed := &holdTimer{Store: st}
				im := importer(timed)
				im.Pause = 120 * time.Millisecond
				im.Progress = timed.progress
				stop := make(chan struct{})
				sampled := make(chan [2]float64)
				go func() { // RssAnon has no peak of its own: sampled
					var top [2]float64
					m := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
					for {
						metrics.Read(m)
						top[0] = max(top[0], statusMB("RssAnon:"))
						top[1] = max(top[1], float64(m[0].Value.Uint64())/(1<<20))
						select {
						case <-stop:
							sampled <- top
							return
						case <-time.After(50 * time.Millisecond):
						}
					}
				}()
				b.StartTimer()
				began, cpu0 := time.Now(), cpuTime()
				res, err := im.Instructors(ctx, src, nil)
				took += time.Since(began)
				cpu += cpuTime() - cpu0
				close(stop)
				top := <-sampled
				anon, goMem = max(anon, top[0]), max(goMem, top[1])
				publish, longest = max(publish, timed.publish), max(longest, timed.longest)
				txs += timed.n
				if err != nil || res.Added != n {
					b.Fatal(res, err)
				}
				b.StopTimer()
				_ = src.Close()
				_ = st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/took.Seconds(), "rows/s")
			b.ReportMetric(peakMB(), "peak-MB")
			b.ReportMetric(anon, "anon-peak-MB")
			b.ReportMetric(goMem, "go-peak-MB")
			b.ReportMetric(publish.Seconds(), "publish-s")
			b.ReportMetric(longest.Seconds(), "longest-tx-s")
			b.ReportMetric(float64(txs)/float64(b.N), "tx/op") // a 120 ms pause between two
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// holdTimer times each write transaction of an import, from the start of
// its work to its commit: how long it held the database's single writer.
// Its progress, given to the importer, keeps the hold of the publishing
// transaction (the one that ended just before 发布 is reported).
type holdTimer struct {
	dangke.Store
	longest, last, publish time.Duration
	n                      int // transactions
}

func (h *holdTimer) progress(s report.Step) {
	if s.Stage == "发布" {
		h.publish = h.last
	}
}

func (h *holdTimer) Update(ctx context.Context, fn func(dangke.Tx) error) error {
	var start time.Time
	err := h.Store.Update(ctx, func(tx dangke.Tx) error {
		start = time.Now()
		return fn(tx)
	})
	if !start.IsZero() {
		h.n++
		h.last = time.Since(start)
		h.longest = max(h.longest, h.last)
	}
	return err
}

// statusMB reads a field of /proc/self/status in MB (0 elsewhere).
func statusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			_, _ = fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}
