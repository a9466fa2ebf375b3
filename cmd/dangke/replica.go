package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/store"
	"dangke/web"
)

// ReplicaEnv names the variable that names this replica in `dangke status`
// and /healthz; the host name and process id when unset.
const ReplicaEnv = "DANGKE_REPLICA"

// replica is this process among the ones sharing a PostgreSQL database:
// the lease of the one-consumer roles and the adapters that need it.
type replica struct {
	name  string
	lease *store.Lease
	led   []string // adapters that run on the leader only
}

// replicaName names this process for the others.
func (m *Main) replicaName() string {
	if n := strings.TrimSpace(m.Getenv(ReplicaEnv)); n != "" {
		return n
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("dangke@%s:%d", host, os.Getpid())
}

// ledAdapter reports whether an adapter has one consumer at a time:
// Telegram long polling (not webhook mode, which any replica behind a load
// balancer serves) and the WeCom long connection. DingTalk Stream gives
// each message to one of an app's connections, so every replica connects.
func (m *Main) ledAdapter(name string) bool {
	switch name {
	case "telegram":
		return m.cfg.Telegram.WebhookURL == ""
	case "wecom":
		return m.cfg.WeCom.BotID != ""
	}
	return false
}

// leadGroup runs the led adapters and the digest scheduler on the replica
// that holds the lease: one bot.Adapter to the rest of the program.
type leadGroup struct {
	lease    *store.Lease
	adapters []bot.Adapter
	sched    func(context.Context) error
}

func (g *leadGroup) Name() string { return "leader" }

func (g *leadGroup) Notify(context.Context, dangke.ChatRef, *dangke.Reply) error {
	return errors.New("leader: not a platform")
}

func (g *leadGroup) Run(ctx context.Context, h dangke.Handler) error {
	fns := []func(context.Context) error{g.sched}
	for _, a := range g.adapters {
		fns = append(fns, func(ctx context.Context) error { return a.Run(ctx, h) })
	}
	return g.lease.Run(ctx, fns...)
}

// replicaHealth is /healthz's replica part (PostgreSQL only).
func (m *Main) replicaHealth(ctx context.Context) *web.ReplicaHealth {
	r := m.replica
	if r == nil {
		return nil
	}
	leading, since := r.lease.Leading()
	h := &web.ReplicaHealth{Name: r.name, Leading: leading, Led: append([]string{"digest"}, r.led...)}
	if leading {
		h.Since = since
	}
	if holders, err := m.store.Holders(ctx); err == nil {
		h.Leader = holders[store.Leader]
	}
	return h
}

// leaderStatus prints who leads the one-consumer roles, as the database
// sees it: `dangke status` on PostgreSQL.
func (m *Main) leaderStatus(ctx context.Context, w io.Writer, bot *web.Health) {
	if !m.store.Postgres() {
		return
	}
	holders, err := m.store.Holders(ctx)
	switch {
	case err != nil:
		fmt.Fprintf(w, "领导副本：查不到（%v）\n", err)
	case holders[store.Leader] == "":
		fmt.Fprintln(w, "领导副本：没有（没有副本在运行，或正在切换；Telegram 轮询、企业微信长连接和周报暂停）")
	default:
		fmt.Fprintf(w, "领导副本：%s（运行 Telegram 长轮询、企业微信长连接、周报；钉钉每个副本各自连接）\n", holders[store.Leader])
	}
	if bot != nil && bot.Replica != nil {
		role := "待命"
		if bot.Replica.Leading {
			role = "领导（自 " + bot.Replica.Since.In(time.Local).Format("2006-01-02 15:04:05") + "）"
		}
		fmt.Fprintf(w, "本机副本：%s，%s\n", bot.Replica.Name, role)
	}
}
