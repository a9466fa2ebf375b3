package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"dangke"
)

// Metrics are the bot's Prometheus metrics, in a registry of their own
// (with the Go runtime's and the process's collectors).
type Metrics struct {
	Registry *prometheus.Registry
	messages *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	digests  *prometheus.CounterVec
}

// MetricsConfig gives the gauges their sources; a nil function leaves its
// gauge out.
type MetricsConfig struct {
	DBSize     func(ctx context.Context) (int64, error) // bytes
	QueueDepth func() int                               // replies waiting to be sent
}

// NewMetrics registers the bot's metrics:
//
//	dangke_messages_total{platform,command,outcome}  messages handled
//	dangke_reply_seconds{platform}                   time from a message to its reply (histogram)
//	dangke_digests_total{outcome}                    weekly digests sent, failed, skipped
//	dangke_send_queue_depth                          replies waiting to be sent
//	dangke_db_size_bytes                             the database's size
func NewMetrics(cfg MetricsConfig) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dangke_messages_total", Help: "Messages handled, by platform, command and outcome (ok, error, silent).",
		}, []string{"platform", "command", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dangke_reply_seconds", Help: "Time from a message to its reply being ready, by platform.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"platform"}),
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dangke_digests_total", Help: "Weekly digests by outcome (sent, failed, skipped).",
		}, []string{"outcome"}),
	}
	m.Registry.MustRegister(m.messages, m.latency, m.digests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []string{"sent", "failed", "skipped"} {
		m.digests.WithLabelValues(o)
	}
	if cfg.QueueDepth != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dangke_send_queue_depth", Help: "Replies waiting to be sent.",
		}, func() float64 { return float64(cfg.QueueDepth()) }))
	}
	if cfg.DBSize != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dangke_db_size_bytes", Help: "Size of the database, in bytes.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := cfg.DBSize(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Handler counts every request h answers, by platform, by the command that
// label names for its text (keep the labels few: command names, not
// arguments), and by outcome, and times it.
func (m *Metrics) Handler(h dangke.Handler, label func(text string) string) dangke.Handler {
	return &counted{h: h, m: m, label: label}
}

type counted struct {
	h     dangke.Handler
	m     *Metrics
	label func(string) string
}

func (c *counted) Handle(ctx context.Context, req dangke.Request) (*dangke.Reply, error) {
	start := time.Now()
	reply, err := c.h.Handle(ctx, req)
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case reply == nil:
		outcome = "silent"
	}
	c.m.messages.WithLabelValues(req.Chat.Platform, c.label(req.Text), outcome).Inc()
	c.m.latency.WithLabelValues(req.Chat.Platform).Observe(time.Since(start).Seconds())
	return reply, err
}

// Digests counts a run of the weekly digests.
func (m *Metrics) Digests(sent, failed, skipped int) {
	m.digests.WithLabelValues("sent").Add(float64(sent))
	m.digests.WithLabelValues("failed").Add(float64(failed))
	m.digests.WithLabelValues("skipped").Add(float64(skipped))
}
