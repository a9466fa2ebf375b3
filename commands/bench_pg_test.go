package commands_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/internal/pgtest"
	"dangke/store"
)

// BenchmarkRouterEngines logs lectures through the router from 64 chats at
// once on SQLite (synchronous=FULL) and on PostgreSQL (synchronous_commit
// on: every acknowledged lecture is on disk), in one run, for the README's
// comparison. The PostgreSQL half skips without DANGKE_TEST_PG.
func BenchmarkRouterEngines(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := filepath.Join(b.TempDir(), "bench.db")
			if engine == "postgres" {
				db = pgtest.URL(b)
			}
			st, err := store.Open(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if engine == "postgres" {
				var sc string
				if err := st.DB().NewRaw("SHOW synchronous_commit").Scan(ctx, &sc); err != nil || sc != "on" && os.Getenv("BENCH_ASYNC") == "" {
					b.Fatalf("synchronous_commit %q, %v", sc, err)
				}
			}
			routerRate(b, st)
		})
	}
}

// routerRate logs b.N lectures from 64 chats at once through a router on
// st, reports the rate, p99, CPU a lecture (with the database server's,
// for PostgreSQL) and the rate that CPU allows on this machine's cores, and
// returns the rate and the CPU.
func routerRate(b *testing.B, st *store.Store) (rate, cpu float64) {
	ctx := context.Background()
	r := commands.New(st, commands.Config{Admins: []string{"b:admin"}, Location: shanghai, Now: func() time.Time { return start }})
	const chats = 64
	for i := range chats {
		for _, text := range []string{fmt.Sprintf("/单位 新增 温县/第%d镇/第一党支部 50", i), fmt.Sprintf("/单位 绑定 温县/第%d镇/第一党支部", i)} {
			if _, err := r.Handle(ctx, dangke.Request{Chat: dangke.ChatRef{Platform: "b", ID: fmt.Sprint("g", i), Group: true},
				From: dangke.Person{Platform: "b", ID: "admin"}, Text: text, Time: start}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(chats / 2)
	server := serverCPU(b, st)
	b.ResetTimer()
	began, cpu0, srv0 := time.Now(), cpuTime(), server()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			chat, k := n%chats, n/chats
			t0 := time.Now()
			reply, err := r.Handle(ctx, dangke.Request{
				Chat: dangke.ChatRef{Platform: "b", ID: fmt.Sprint("g", chat), Group: true},
				From: dangke.Person{Platform: "b", ID: fmt.Sprint("u", n%500)},
				// 40 names a branch, from U+5000 on: U+4E00's forty hold 丟 and 丢,
				// one name in two spellings, which /党课 asks about.
				Text: fmt.Sprintf("/党课 讲课人%c%c 党员 《第%d课》 %s %d人", rune(0x4e00+chat), rune(0x5000+k%40), k,
					start.AddDate(0, 0, -7*int(k/40%5)).Format("1月2日"), 10+n%50),
				MsgID: fmt.Sprint("m", n), Time: start,
			})
			mine = append(mine, time.Since(t0))
			if err != nil || !strings.HasPrefix(reply.Text, "已登记") {
				b.Fatalf("%v %v", reply, err)
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	rate = float64(b.N) / time.Since(began).Seconds()
	b.ReportMetric(rate, "lectures/s")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	srv := (server() - srv0).Seconds() * 1e6 / float64(b.N)
	cpu = (cpuTime()-cpu0).Seconds()*1e6/float64(b.N) + srv
	b.ReportMetric(cpu, "cpu-µs/lecture")
	if st.Postgres() {
		b.ReportMetric(srv, "server-cpu-µs/lecture")
	}
	// What the lectures would reach on this machine's cores were nothing
	// else running: a figure that a shared machine's wall clock hides.
	b.ReportMetric(float64(runtime.NumCPU())*1e6/cpu, "cpu-bound-lectures/s")
	return rate, cpu
}

// serverCPU returns a function reading the CPU time the database server
// has used: its postmaster's own, its reaped children's and its live
// backends' (from /proc), zero for SQLite (which runs in this process and
// is in cpuTime).
func serverCPU(b *testing.B, st *store.Store) func() time.Duration {
	if !st.Postgres() {
		return func() time.Duration { return 0 }
	}
	var dir string
	if err := st.DB().NewRaw("SELECT setting FROM pg_settings WHERE name = 'data_directory'").Scan(context.Background(), &dir); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		b.Logf("server CPU not measured: %v", err)
		return func() time.Duration { return 0 }
	}
	postmaster, _, _ := strings.Cut(string(data), "\n")
	return func() time.Duration {
		var total time.Duration
		procs, _ := os.ReadDir("/proc")
		for _, p := range procs {
			f := procStat(filepath.Join("/proc", p.Name(), "stat"))
			switch {
			case p.Name() == postmaster && len(f) > 14: // utime stime cutime cstime
				total += ticks(f[11]) + ticks(f[12]) + ticks(f[13]) + ticks(f[14])
			case len(f) > 12 && f[1] == postmaster: // a backend: its parent is the postmaster
				total += ticks(f[11]) + ticks(f[12])
			}
		}
		return total
	}
}

// procStat returns the fields of a /proc/PID/stat after the command name
// (field 3, the state, first), nil if there is none.
func procStat(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// ticks reads a /proc clock-tick count (10 ms each on Linux).
func ticks(field string) time.Duration {
	var n int64
	_, _ = fmt.Sscan(field, &n)
	return time.Duration(n) * 10 * time.Millisecond
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	for i := 1; i < len(s); i++ { // insertion sort is enough for a benchmark's samples
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkStatsCityPostgres answers /统计 全市 over the seeded city (10,000
// branches, 1,000,000 lectures) copied into PostgreSQL with migrate-db's
// copy, as BenchmarkStatsCity does on SQLite.
func BenchmarkStatsCityPostgres(b *testing.B) {
	ctx := context.Background()
	url := pgtest.URL(b)
	src, err := store.Open(ctx, seedCity(b))
	if err != nil {
		b.Fatal(err)
	}
	dst, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	rep, err := store.Copy(ctx, src, dst)
	_ = src.Close()
	if err != nil || !rep.OK() {
		b.Fatalf("copy: %v", err)
	}
	if _, err := dst.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2019, 9, 25, 10, 0, 0, 0, shanghai)
	r := commands.New(dst, commands.Config{Admins: []string{"b:admin"}, Location: shanghai, City: "焦作市", Now: func() time.Time { return now }})
	cityStats(b, r, now)
}
