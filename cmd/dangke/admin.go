package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/commands"
	"dangke/digest"
	"dangke/web"
)

// admin wraps the platform adapters for the health check, counts the
// router's messages and, when admin.listen is set, serves /healthz,
// /metrics and (admin.pprof) /debug/pprof there. It returns the handler
// and adapters to run, the digest scheduler's observer and a stop
// function. A port that cannot be opened is logged, and the bot runs on:
// chat matters more than its gauges.
func (m *Main) admin(ctx context.Context, router *commands.Router, adapters []bot.Adapter) (dangke.Handler, []bot.Adapter, func(digest.Result), func()) {
	watch := web.NewAdapters()
	wrapped := make([]bot.Adapter, len(adapters))
	for i, a := range adapters {
		wrapped[i] = watch.Watch(a)
	}
	metrics := web.NewMetrics(web.MetricsConfig{DBSize: m.store.Size, QueueDepth: m.pendingReplies})
	handler := metrics.Handler(router, router.CommandLabel)
	observe := func(r digest.Result) { metrics.Digests(r.Sent, r.Failed, r.Skipped) }
	addr := m.cfg.Admin.Listen
	if addr == "" {
		return handler, wrapped, observe, func() {}
	}
	a := &web.Admin{Store: m.store, Adapters: watch, Metrics: metrics, Pprof: m.cfg.Admin.Pprof}
	if m.replica != nil {
		a.Replica = m.replicaHealth
	}
	srv := bot.NewServer(a.Handler(), bot.ServerLimits{WriteTimeout: 2 * time.Minute}) // pprof profiles run 30 s
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		m.logger.Error("管理端口打不开：/healthz、/metrics 不可用（改 admin.listen，或留空关闭）", "admin.listen", addr, "err", err)
		return handler, wrapped, observe, func() {}
	}
	m.logger.Info("admin endpoints", "addr", ln.Addr().String(), "pprof", m.cfg.Admin.Pprof)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger.Error("admin server", "err", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return handler, wrapped, observe, stop
}

// pendingReplies counts the confirmations waiting in the reply outbox (the
// send queue of /metrics), read from its pending index when scraped.
func (m *Main) pendingReplies() int {
	counts, _, err := m.store.OutboxStatus(context.Background(), 0)
	if err != nil {
		m.logger.Error("counting pending replies", "err", err)
		return 0
	}
	n := 0
	for _, c := range counts {
		if c.State == dangke.OutboxPending {
			n += c.N
		}
	}
	return n
}
