package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dangke"
	"dangke/bot"
	"dangke/store"
)

// ReplyConfig is the replies section: the outbox that keeps each
// confirmation until its platform accepts it.
type ReplyConfig struct {
	MaxAge      time.Duration `yaml:"max_age"`      // pending replies older than this are not sent again: 24h
	RetryEvery  time.Duration `yaml:"retry_every"`  // how often pending replies are looked for: 1m
	MaxAttempts int           `yaml:"max_attempts"` // failed sends before a reply is given up: 5
	InFlight    int           `yaml:"in_flight"`    // replies on their way at once per platform (a crash repeats at most these): 1
	// KeepDays is how long a sent reply is kept for a redelivery of its
	// message (platforms redeliver within hours): 3 days, then pruned
	// hourly. A pending reply is never pruned.
	KeepDays int `yaml:"keep_days"`
}

// defaultKeepDays is replies.keep_days when it is not set.
const defaultKeepDays = 3

// keep is how long a sent reply is kept.
func (r ReplyConfig) keep() time.Duration {
	days := r.KeepDays
	if days <= 0 {
		days = defaultKeepDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// outbox is the adapters' reply outbox, on the store, with its journal of
// accepted replies beside the database (dangke.db.sent.dingtalk ...); on
// PostgreSQL the marks are in the database only.
func (m *Main) outbox() bot.OutboxConfig {
	r := m.cfg.Replies
	journal := m.cfg.DB + ".sent"
	if store.IsPostgres(m.cfg.DB) {
		journal = "" // replicas share no folder: the marks live in the database only
	}
	return bot.OutboxConfig{Store: m.store, MaxAge: r.MaxAge, Every: r.RetryEvery, MaxAttempts: r.MaxAttempts,
		InFlight: r.InFlight, Journal: journal, Shared: store.IsPostgres(m.cfg.DB)}
}

// parseStatus reads the flags of `dangke status`.
func (m *Main) parseStatus(args []string) error {
	fs := flag.NewFlagSet("dangke status", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.configPath, "config", "", "configuration file")
	fs.StringVar(&m.dbPath, "db", "", "SQLite database file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("status takes no arguments; see dangke --help")
	}
	return nil
}

// runStatus prints the replies still pending and those given up, by
// platform, and the last failed ones with their errors.
func (m *Main) runStatus(ctx context.Context) error {
	healthy := m.healthStatus(ctx, m.Stdout)
	if err := m.outboxStatus(ctx); err != nil {
		return err
	}
	if !healthy {
		return errUnhealthy
	}
	return nil
}

// outboxStatus prints the pending and failed replies.
func (m *Main) outboxStatus(ctx context.Context) error {
	counts, failed, err := m.store.OutboxStatus(ctx, 10)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		fmt.Fprintln(m.Stdout, "回复发件箱：没有待发送或发送失败的回复和周报。")
		return nil
	}
	fmt.Fprintln(m.Stdout, "回复发件箱（reply outbox）：")
	label := map[string]string{"pending": "待发送 (pending)", "failed": "发送失败 (failed)"}
	for _, c := range counts {
		fmt.Fprintf(m.Stdout, "  %-9s %s %s %d 条，最早 %s\n", c.Platform, kindLabel(c.Kind), label[c.State], c.N, c.Oldest.Format("2006-01-02 15:04"))
	}
	if len(failed) > 0 {
		fmt.Fprintln(m.Stdout, "最近发送失败的（不再重试）：")
		for _, o := range failed {
			what := "消息 " + o.Key.ID
			if o.Kind != "" && o.Kind != dangke.SendReply {
				what = kindLabel(o.Kind) + " " + strings.TrimPrefix(o.Key.ID, o.Kind+":")
			}
			fmt.Fprintf(m.Stdout, "  %s %s %s，%s，尝试 %d 次：%s\n    「%s」\n", o.Key.Platform, o.Key.Chat, what,
				o.At.Format("2006-01-02 15:04"), o.Attempts, o.LastError, firstLine(o.Text, 40))
		}
	}
	return nil
}

// kindLabel names a kind of outbox message in Chinese.
func kindLabel(kind string) string {
	switch kind {
	case dangke.SendDigest:
		return "周报"
	case dangke.SendReminder:
		return "提醒"
	case dangke.KindFile:
		return "文件"
	}
	return "回复"
}

// firstLine is the first line of text, cut to n characters.
func firstLine(text string, n int) string {
	line, _, _ := strings.Cut(text, "\n")
	if utf8.RuneCountInString(line) > n {
		line = string([]rune(line)[:n]) + "…"
	}
	return line
}
