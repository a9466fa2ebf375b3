package digest_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"

	"dangke"
	"dangke/chart"
	"dangke/digest"
	"dangke/store"
)

// BenchmarkProvinceWeekly is the weekly job of a seeded province, as the
// scheduler runs it: RunWeek over every bound chat (the seed binds every
// county and town; the benchmark binds the province's chat), each digest built from a Source, its mentions read,
// its chart drawn (the city's and the reporting units'), written to the
// outbox and posted through the outbox to a notifier that accepts it. It
// runs on a copy of the seeded file (the outbox rows stay in the copy) and
// reports beside the time the CPU time, the process's peak resident size
// (VmHWM, reset before the run), the peak of its anonymous part (RssAnon,
// sampled at each send) and the Go heap's peak. BENCH_MAP_MB and
// BENCH_CACHE_MB open the store with another memory map and page cache
// (store.Options; -1 MB: no map).
//
// It runs for two weeks: mid-campaign (the week of 2019-09-16, run the
// Monday after, with three months of the seed's lectures dated after it,
// which a running bot never holds: no lecture is dated after the day it is
// logged), and the campaign's last whole week (2019-12-23, run on Monday
// 12-30, with two days of lectures after it: the job as it runs).
func BenchmarkProvinceWeekly(b *testing.B) {
	for _, c := range []struct {
		name string
		week time.Time
	}{{"mid-campaign", day(9, 16)}, {"last-week", day(12, 23)}} {
		b.Run(c.name, func(b *testing.B) { provinceWeekly(b, c.week) })
	}
}

func provinceWeekly(b *testing.B, monday time.Time) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "p.db")
	for _, ext := range []string{"", "-wal"} {
		if err := copyFile(provincePath(b)+ext, path+ext); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	var opt store.Options
	if v, err := strconv.ParseInt(os.Getenv("BENCH_MAP_MB"), 10, 64); err == nil {
		opt.MapBytes = v << 20
	}
	if v, err := strconv.ParseInt(os.Getenv("BENCH_CACHE_MB"), 10, 64); err == nil {
		opt.CacheKiB = v << 10
	}
	st, err := store.OpenWith(ctx, path, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// The province's own chat too: the city's digest and its chart of
	// every reporting unit.
	if err := st.Update(ctx, func(tx dangke.Tx) error {
		return tx.BindCity(ctx, dangke.ChatRef{Platform: "seed", ID: "g-city", Group: true}, "seed:admin", day(6, 1))
	}); err != nil {
		b.Fatal(err)
	}
	charts, err := chart.NewRenderer("")
	if err != nil {
		b.Fatal(err)
	}
	peaks := &memPeaks{}
	n := &countingNotifier{each: peaks.sample}
	now := monday.AddDate(0, 0, 7).Add(9 * time.Hour)
	s := &digest.Scheduler{Store: st, Notifiers: map[string]dangke.Notifier{"seed": n}, Campaign: dangke.DefaultCampaign(cst),
		City: "全省", Rubric: dangke.DefaultRubric(), Charts: charts, Now: func() time.Time { return now }}
	bound, err := st.BoundChats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var chats []dangke.BoundChat // the seed's (the /统计 benchmark binds one of its own in the file)
	for _, bc := range bound {
		if bc.Chat.Platform == "seed" {
			chats = append(chats, bc)
		}
	}
	resetPeakRSS(b)
	peaks.sample()
	cpu0 := cpuTime()
	week := dangke.Week(monday)
	runs := 0
	for b.Loop() {
		res, err := s.RunWeek(ctx, week, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Sent != len(chats) || res.Failed != 0 {
			b.Fatalf("%+v of %d chats", res, len(chats))
		}
		week = dangke.Period{From: week.From.AddDate(0, 0, -7), To: week.To.AddDate(0, 0, -7)} // the next run finds none sent
		runs++
	}
	cpu := cpuTime() - cpu0
	peaks.sample()
	b.ReportMetric(float64(len(chats)), "digests/op")
	b.ReportMetric(float64(n.files)/float64(runs), "charts/op")
	b.ReportMetric(cpu.Seconds()/float64(runs), "cpu-s/op")
	b.ReportMetric(float64(procStatus("VmHWM"))/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(peaks.anon)/(1<<20), "peak-anon-MB")
	b.ReportMetric(float64(peaks.heap)/(1<<20), "peak-heap-MB")
}

// countingNotifier accepts every message, counting the files, and calls
// each after every send.
type countingNotifier struct {
	files int
	each  func()
}

func (c *countingNotifier) Notify(_ context.Context, _ dangke.ChatRef, reply *dangke.Reply) error {
	c.files += len(reply.Files)
	c.each()
	return nil
}

// memPeaks keeps the peaks of the process's anonymous resident size and of
// the Go heap's objects.
type memPeaks struct{ anon, heap uint64 }

func (m *memPeaks) sample() {
	m.anon = max(m.anon, procStatus("RssAnon"))
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	m.heap = max(m.heap, s[0].Value.Uint64())
}

// procStatus returns a size field of /proc/self/status in bytes (0 when
// it cannot be read: not Linux).
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		kb, _, _ := bytes.Cut(bytes.TrimSpace(rest), []byte(" "))
		v, _ := strconv.ParseUint(string(kb), 10, 64)
		return v << 10
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current resident size (Linux 4.0+).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("VmHWM not reset (%v): the peak includes the setup", err)
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
