package report_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"dangke"
	province "dangke/internal/seed"
	"dangke/report"
	"dangke/store"
)

// resetPeak sets the process's VmHWM back to its current resident memory
// (Linux: clear_refs 5); elsewhere it does nothing.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkForm1XLSX builds 附件1 of a seeded province of 1,000 branches
// and 100,000 lectures (Form1 over the whole province, then the XLSX
// through the stream writer) and reports the process's peak resident
// memory (VmHWM, reset after seeding).
func BenchmarkForm1XLSX(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "p.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := province.Province(ctx, st, province.Options{Branches: 1000, Lectures: 100_000}); err != nil {
		b.Fatal(err)
	}
	day := time.Date(2019, 9, 25, 0, 0, 0, 0, time.UTC)
	debug.FreeOSMemory() // the seeding's heap goes back before the peak is reset
	resetPeak()          // the seeding's peak is not the form's
	base := peakMB()
	b.ResetTimer()
	for b.Loop() {
		f, err := report.Form1(ctx, st, "全省", "", nil, dangke.Period{}, day)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.WriteXLSX(io.Discard); err != nil {
			b.Fatal(err)
		}
		if f.RowCount() != 100_000 {
			b.Fatalf("%d rows", f.RowCount())
		}
	}
	b.ReportMetric(peakMB(), "peak-MB")
	b.ReportMetric(base, "before-MB") // resident before the first form: the store's caches
}

// BenchmarkForm1CSV is BenchmarkForm1XLSX as CSV.
func BenchmarkForm1CSV(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "p.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := province.Province(ctx, st, province.Options{Branches: 1000, Lectures: 100_000}); err != nil {
		b.Fatal(err)
	}
	day := time.Date(2019, 9, 25, 0, 0, 0, 0, time.UTC)
	debug.FreeOSMemory() // the seeding's heap goes back before the peak is reset
	resetPeak()
	base := peakMB()
	b.ResetTimer()
	for b.Loop() {
		f, err := report.Form1(ctx, st, "全省", "", nil, dangke.Period{}, day)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.WriteCSV(io.Discard); err != nil {
			b.Fatal(err)
		}
		if f.RowCount() != 100_000 {
			b.Fatalf("%d rows", f.RowCount())
		}
	}
	b.ReportMetric(peakMB(), "peak-MB")
	b.ReportMetric(base, "before-MB") // resident before the first form: the store's caches
}

// peakMB reports the process's peak resident memory (VmHWM) so far, in MB.
func peakMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			_, _ = fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}
