package dingtalk_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"dangke/bot"
	"dangke/bot/dingtalk"
)

// BenchmarkStreamLectures pushes /党课 messages through the fake gateway and
// the real SDK into SQLite at a steady 1,000 frames a second, and reports
// the rate at which replies came back (each marked sent in the outbox, as
// in production) and the 99th percentile latency from pushing a frame to
// its sessionWebhook reply.
func BenchmarkStreamLectures(b *testing.B) {
	r, st := setup(b)
	f := newFake(b)
	run(b, f, r, dingtalk.Config{Outbox: bot.OutboxConfig{Store: st}})
	const rate = 1000 // frames a second
	pushed := make([]time.Time, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if wait := time.Until(start.Add(time.Duration(i) * time.Second / rate)); wait > 0 {
			time.Sleep(wait)
		}
		id := fmt.Sprint("bench-", i)
		m := f.robotMessage(id, "2", fmt.Sprintf("/党课 讲课人%c 党员 《我和我的祖国》 7月1日 %d人", rune(0x4e00+i%40), 10+i%50))
		pushed[i] = time.Now()
		f.push("CALLBACK", "/v1.0/im/bot/messages/get", m)
	}
	f.waitFor("every reply", time.Minute, func() bool { return len(f.hookTimes) == b.N })
	b.StopTimer()
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	lat := make([]time.Duration, b.N)
	for i := range b.N {
		at := f.hookTimes[fmt.Sprint("bench-", i)]
		lat[i] = at.Sub(pushed[i])
		if at.After(last) {
			last = at
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/last.Sub(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
