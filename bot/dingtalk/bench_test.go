package dingtalk_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"dangke"
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
	message := func(i int) map[string]any {
		return f.robotMessage(fmt.Sprint("bench-", i), "2", fmt.Sprintf("/党课 讲课人%c 党员 《我和我的祖国》 7月1日 %d人", rune(0x5000+i%40), 10+i%50))
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if wait := time.Until(start.Add(time.Duration(i) * time.Second / rate)); wait > 0 {
			time.Sleep(wait)
		}
		pushed[i] = time.Now()
		f.push("CALLBACK", "/v1.0/im/bot/messages/get", message(i))
	}
	// A frame pushed while the SDK reconnected (a keepalive missed on a
	// loaded machine) is lost: like DingTalk, deliver again what has had no
	// reply for 10 s, for a minute at most.
	for range 6 {
		if f.waitUntil(10*time.Second, func() bool { return len(f.hookTimes) == b.N }) {
			break
		}
		f.mu.Lock()
		var again []int
		for i := range b.N {
			if f.hookTimes[fmt.Sprint("bench-", i)].IsZero() {
				again = append(again, i)
			}
		}
		f.mu.Unlock()
		b.Logf("%d frames without a reply after 10 s: delivered again", len(again))
		for _, i := range again {
			f.push("CALLBACK", "/v1.0/im/bot/messages/get", message(i))
		}
	}
	f.waitFor("every reply", time.Second, func() bool { return len(f.hookTimes) == b.N })
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

// fixedHandler answers every message with the same text without touching
// the store: what the adapter, the SDK and the fake cost by themselves.
type fixedHandler struct{}

func (fixedHandler) Handle(context.Context, dangke.Request) (*dangke.Reply, error) {
	return &dangke.Reply{Text: "已记录第 1 条党课。"}, nil
}

// closedLoad pushes n /党课 frames from senders goroutines, each pushing its
// next frame once the webhook reply to its last one has come, and returns
// the rate of replies and the 50th and 99th percentile from push to reply.
//
// A frame with no reply after redeliverAfter is pushed again, as DingTalk
// delivers an unacknowledged message again: on a loaded machine the SDK may
// miss a keepalive and reconnect, and a frame pushed meanwhile is lost (the
// load used to wait for it forever). Each one is logged.
func closedLoad(b *testing.B, f *fakeDingTalk, n, senders int) (rate float64, p50, p99 time.Duration) {
	const redeliverAfter = 10 * time.Second
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // wakes the waiting senders to look at their clocks
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f.mu.Lock()
				f.changed.Broadcast()
				f.mu.Unlock()
			}
		}
	}()
	defer close(stop)
	start := time.Now()
	for s := range senders {
		wg.Go(func() {
			for i := s; i < n; i += senders {
				id := fmt.Sprint("load-", i)
				m := f.robotMessage(id, "2", fmt.Sprintf("/党课 讲课人%c 党员 《我和我的祖国》 7月1日 %d人", rune(0x5000+i%40), 10+i%50))
				pushed := time.Now()
				f.push("CALLBACK", "/v1.0/im/bot/messages/get", m)
				last := pushed
				f.mu.Lock()
				for f.hookTimes[id].IsZero() {
					if time.Since(last) > redeliverAfter {
						f.mu.Unlock()
						b.Logf("no reply to %s after %v: delivered again", id, redeliverAfter)
						f.push("CALLBACK", "/v1.0/im/bot/messages/get", m)
						last = time.Now()
						f.mu.Lock()
						continue
					}
					f.changed.Wait()
				}
				lat[i] = f.hookTimes[id].Sub(pushed)
				f.mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	slices.Sort(lat)
	return float64(n) / took.Seconds(), lat[n/2], lat[n*99/100]
}

// BenchmarkStreamCeiling drives 16 senders, each waiting for its reply
// before sending again, through the fake gateway and the real SDK: first
// into the real router and SQLite (replies marked sent in the outbox), then,
// in the same run, through the same adapter on a fresh fake with a handler
// that answers without touching the store. It reports both rates, the
// bot's share of the ceiling (target ≥ 0.5) and both p99s (target < 50 ms).
func BenchmarkStreamCeiling(b *testing.B) {
	const senders = 16
	n := max(b.N, 2*senders)
	r, st := setup(b)
	bf := newFake(b)
	run(b, bf, r, dingtalk.Config{Outbox: bot.OutboxConfig{Store: st}})
	cf := newFake(b)
	run(b, cf, fixedHandler{}, dingtalk.Config{})
	b.ResetTimer()
	botRate, botP50, botP99 := closedLoad(b, bf, n, senders)
	ceilRate, ceilP50, ceilP99 := closedLoad(b, cf, n, senders)
	b.StopTimer()
	b.ReportMetric(botRate, "bot-msgs/s")
	b.ReportMetric(ceilRate, "ceiling-msgs/s")
	b.ReportMetric(botRate/ceilRate, "bot/ceiling")
	b.ReportMetric(float64(botP99.Microseconds())/1000, "bot-p99-ms")
	b.ReportMetric(float64(ceilP99.Microseconds())/1000, "ceiling-p99-ms")
	b.ReportMetric(float64(botP50.Microseconds())/1000, "bot-p50-ms")
	b.ReportMetric(float64(ceilP50.Microseconds())/1000, "ceiling-p50-ms")
}
