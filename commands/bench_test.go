package commands_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/internal/seed"
	"dangke/store"
)

// rawInsertRate measures single-row inserts, one transaction each, with the
// store's pragmas (WAL, synchronous=FULL, or OFF without fsync) on a file
// in dir: the floor any durable write path is compared with.
func rawInsertRate(b *testing.B, dir string, n int, noFsync bool) (rate, cpu float64) {
	path := filepath.Join(dir, fmt.Sprintf("raw-%v.db", noFsync))
	dsn := store.DSN(path)
	if noFsync {
		dsn = store.NoFsyncDSN(path)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, unit INTEGER, speaker TEXT, title TEXT, day TEXT, attendees INTEGER)"); err != nil {
		b.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	for i := range n {
		if _, err := db.Exec("INSERT INTO t (unit, speaker, title, day, attendees) VALUES (?, ?, ?, ?, ?)", i%50, "张三", "我和我的祖国", "2019-07-01", 45); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds() * 1e6 / float64(n)
}

// cpuTime returns the CPU time the process has used (user and system),
// from /proc/self/stat at the kernel's clock tick (usually 10 ms); 0 where
// there is no /proc. Beside wall-clock rates on a shared machine, it shows
// what a lecture costs when other processes take turns on the cores.
func cpuTime() time.Duration {
	f := procStat("/proc/self/stat") // state is field 3; utime and stime are 14 and 15
	if len(f) < 13 {
		return 0
	}
	return ticks(f[11]) + ticks(f[12])
}

// BenchmarkLectureThroughRouter logs lectures as chat messages from many
// groups at once: parse, authorize, write with its audit row and message
// id, compute the running totals, reply, into an on-disk database. It runs
// with fsync (synchronous=FULL, as deployed) and without (synchronous=OFF:
// the CPU cost of the write path alone), and reports each rate beside the
// raw single-row insert rate with the same setting, measured in the same
// run, and their ratio.
func BenchmarkLectureThroughRouter(b *testing.B) {
	for _, noFsync := range []bool{false, true} {
		name := "fsync=on"
		if noFsync {
			name = "fsync=off"
		}
		b.Run(name, func(b *testing.B) { lectureThroughRouter(b, noFsync) })
	}
}

func lectureThroughRouter(b *testing.B, noFsync bool) {
	ctx := context.Background()
	dir := b.TempDir()
	raw, rawCPU := rawInsertRate(b, dir, 2000, noFsync)
	st, err := store.OpenWith(ctx, filepath.Join(dir, "bench.db"), store.Options{NoFsync: noFsync})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rate, cpu := routerRate(b, st)
	b.ReportMetric(raw, "raw-inserts/s")
	b.ReportMetric(rate/raw, "ratio")
	b.ReportMetric(rawCPU, "raw-cpu-µs/insert")
	b.ReportMetric(rawCPU/cpu, "cpu-ratio") // what a lecture costs in bare inserts, inverted
}

// cityDB holds the seeded database shared by the city benchmarks, made once
// per test binary because seeding a million lectures takes a while.
var cityDB struct {
	once sync.Once
	path string
	err  error
}

// seedCity builds 10 counties × 10 towns × 100 branches (10,000 branches)
// with 100 lectures each (1,000,000), dated across the 2019 campaign.
func seedCity(b *testing.B) string {
	cityDB.once.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "dangke-bench-")
		if err != nil {
			cityDB.err = err
			return
		}
		cityDB.path = filepath.Join(dir, "city.db")
		st, err := store.Open(ctx, cityDB.path)
		if err != nil {
			cityDB.err = err
			return
		}
		defer st.Close()
		cityDB.err = seed.City(ctx, st)
	})
	if cityDB.err != nil {
		b.Fatal(cityDB.err)
	}
	return cityDB.path
}

// cityRouter opens the seeded city with b:admin an admin, on a clock in
// late September 2019.
func cityRouter(b *testing.B) (*commands.Router, time.Time) {
	st, err := store.Open(context.Background(), seedCity(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	now := time.Date(2019, 9, 25, 10, 0, 0, 0, shanghai)
	return commands.New(st, commands.Config{Admins: []string{"b:admin"}, Location: shanghai, City: "焦作市",
		Now: func() time.Time { return now }}), now
}

// TestMain removes the seeded city's and provinces' folders after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if cityDB.path != "" {
		_ = os.RemoveAll(filepath.Dir(cityDB.path))
	}
	for _, p := range provinceDBs.paths {
		_ = os.RemoveAll(filepath.Dir(p))
	}
	template.Remove()
	os.Exit(code)
}

// BenchmarkStatsCity answers /统计 全市 over 10,000 branches and 1,000,000
// lectures: the ranking of the reporting units and the week comparison.
func BenchmarkStatsCity(b *testing.B) {
	r, now := cityRouter(b)
	cityStats(b, r, now)
}

// cityStats binds the city's chat, where a leader asks /统计 全市 (figures
// go to members of a bound chat), checks the answer and times it.
func cityStats(b *testing.B, r *commands.Router, now time.Time) {
	ctx := context.Background()
	bind := dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: "city", Group: true}, From: dangke.Person{Platform: "b", ID: "admin"}, Text: "/单位 绑定 全市", Time: now}
	if _, err := r.Handle(ctx, bind); err != nil {
		b.Fatal(err)
	}
	req := dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: "city", Group: true}, From: dangke.Person{Platform: "b", ID: "leader"}, Text: "/统计 全市", Time: now}
	reply, err := r.Handle(ctx, req)
	if err != nil || !strings.Contains(reply.Text, "微党课 1000000 次") {
		b.Fatalf("%v %v", reply, err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Handle(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListBranch answers /记录 for one branch of the million-lecture city.
func BenchmarkListBranch(b *testing.B) {
	ctx := context.Background()
	r, now := cityRouter(b)
	req := dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: "branch", Group: true}, From: dangke.Person{Platform: "b", ID: "admin"}, Time: now}
	req.Text = "/单位 绑定 第3县/第4镇/第50党支部"
	if _, err := r.Handle(ctx, req); err != nil {
		b.Fatal(err)
	}
	req.Text = "/记录 20"
	reply, err := r.Handle(ctx, req)
	if err != nil || !strings.Contains(reply.Text, "最近 20 条") {
		b.Fatalf("%v %v", reply, err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Handle(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// provinceSizes are the province sizes (branches) the province benchmarks
// run at: BENCH_PROVINCE_SIZES (e.g. 1000,10000,100000), 1000 by default.
func provinceSizes(b *testing.B) []int {
	env := os.Getenv("BENCH_PROVINCE_SIZES")
	if env == "" {
		return []int{1000}
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n < 1 {
			b.Fatalf("BENCH_PROVINCE_SIZES: %q is not a number of branches", f)
		}
		out = append(out, n)
	}
	return out
}

// provinceDBs holds the provinces seeded by this test binary.
var provinceDBs struct {
	sync.Mutex
	paths map[int]string
}

// provinceDB returns a province of n branches with 100 lectures each: the
// file p<n>.db in BENCH_PROVINCE_DIR when set (made beforehand by
// `dangke seed --branches n --lectures 100n`, as seeding 10 million takes
// minutes), otherwise one seeded here once per test binary.
func provinceDB(b *testing.B, n int) string {
	if dir := os.Getenv("BENCH_PROVINCE_DIR"); dir != "" {
		path := filepath.Join(dir, fmt.Sprintf("p%d.db", n))
		if _, err := os.Stat(path); err != nil {
			b.Fatalf("%v (make it with: dangke seed --branches %d --lectures %d --db %s)", err, n, 100*n, path)
		}
		return path
	}
	provinceDBs.Lock()
	defer provinceDBs.Unlock()
	if p, ok := provinceDBs.paths[n]; ok {
		return p
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dangke-province-")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "p.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	_, err = seed.Province(ctx, st, seed.Options{Branches: n, Lectures: 100 * n, Chats: true})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	if provinceDBs.paths == nil {
		provinceDBs.paths = map[int]string{}
	}
	provinceDBs.paths[n] = path
	return path
}

// resetPeak sets the process's VmHWM back to its current resident memory
// (Linux: clear_refs 5); elsewhere it does nothing.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

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

// BenchmarkProvinceStats answers /统计 at each level of a seeded province
// (the whole province, a county, a branch) for the whole campaign and for
// periods: 本周 and 上周 (one whole week), 本月 (whole weeks and edge
// days), a quarter. The clock is Wednesday 2019-09-25.
func BenchmarkProvinceStats(b *testing.B) {
	ctx := context.Background()
	for _, n := range provinceSizes(b) {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			st, err := store.Open(ctx, provinceDB(b, n))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			// Opening checks the file (quick_check reads every page, through
			// the memory map): the peak reported is the queries' own.
			resetPeak()
			now := time.Date(2019, 9, 25, 10, 0, 0, 0, shanghai)
			r := commands.New(st, commands.Config{Admins: []string{"b:admin"}, Location: shanghai, City: "全省",
				Now: func() time.Time { return now }})
			admin := dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: "branch", Group: true}, From: dangke.Person{Platform: "b", ID: "admin"},
				Text: "/单位 绑定 第1县/第1镇/第1党支部", Time: now}
			if _, err := r.Handle(ctx, admin); err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct{ name, chat, text string }{
				{"province", "city", "/统计 全市"},
				{"province/本周", "city", "/统计 全市 本周"},
				{"province/上周", "city", "/统计 全市 上周"},
				{"province/本月", "city", "/统计 全市 本月"},
				{"province/quarter", "city", "/统计 全市 2019-07-01~2019-09-30"},
				{"county", "city", "/统计 第1县"},
				{"county/本周", "city", "/统计 第1县 本周"},
				{"county/本月", "city", "/统计 第1县 本月"},
				{"branch", "branch", "/统计"},
				{"branch/本周", "branch", "/统计 本周"},
				{"branch/本月", "branch", "/统计 本月"},
			} {
				b.Run(c.name, func(b *testing.B) {
					req := dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: c.chat, Group: true}, From: dangke.Person{Platform: "b", ID: "admin"}, Text: c.text, Time: now}
					reply, err := r.Handle(ctx, req)
					if err != nil || !strings.Contains(reply.Text, "微党课") {
						b.Fatalf("%v %v", reply, err)
					}
					cpu0 := cpuTime()
					for b.Loop() {
						if _, err := r.Handle(ctx, req); err != nil {
							b.Fatal(err)
						}
					}
					// The machine is shared: the process's CPU time per
					// answer says more than the wall clock when it is loaded.
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
					b.ReportMetric(peakMB(), "peak-MB")
				})
			}
		})
	}
}
