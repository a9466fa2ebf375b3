package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"dangke/web"
)

// errUnhealthy makes `dangke status` exit non-zero, for cron and monitoring.
var errUnhealthy = errors.New("状态异常")

// healthStatus prints the bot's health in Chinese to w — the database
// (reachable, writable, size), the running bot's adapters as its admin
// endpoint reports them, the last digest run — and reports whether all is
// well. `dangke status` prints it; other status lines can come before or
// after it.
func (m *Main) healthStatus(ctx context.Context, w io.Writer) bool {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	check, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h := web.CheckStore(check, m.store, now())
	ok := h.OK
	switch {
	case h.Database.Writable:
		fmt.Fprintf(w, "数据库：正常（可读写，%s）%s\n", sizeText(h.Database.SizeBytes), m.cfg.DB)
	case h.Database.Reachable:
		fmt.Fprintf(w, "数据库：只能读，不能写（%s）%s\n", h.Database.Error, m.cfg.DB)
	default:
		fmt.Fprintf(w, "数据库：读不了（%s）%s\n", h.Database.Error, m.cfg.DB)
	}
	addr := m.cfg.Admin.Listen
	if addr == "" {
		fmt.Fprintln(w, "机器人：未配置 admin.listen，无法确认是否在运行")
	} else if bot, err := fetchHealth(ctx, addr); err != nil {
		fmt.Fprintf(w, "机器人：未运行，或管理端口 %s 无应答（%v）\n", addr, err)
		ok = false
	} else {
		fmt.Fprintf(w, "机器人：运行中（管理端口 %s）\n", addr)
		if len(bot.Adapters) == 0 {
			fmt.Fprintln(w, "  没有启用任何平台")
		}
		var budgets []string
		for _, a := range bot.Adapters {
			if a.Budget != "" {
				budgets = append(budgets, fmt.Sprintf("  %s 发送额度：%s\n", a.Name, a.Budget))
			}
			if a.Connected {
				fmt.Fprintf(w, "  %s：已连接（自 %s）\n", a.Name, a.Since.In(time.Local).Format("2006-01-02 15:04"))
				continue
			}
			ok = false
			fmt.Fprintf(w, "  %s：未连接", a.Name)
			if a.Error != "" {
				fmt.Fprintf(w, "（%s）", a.Error)
			}
			fmt.Fprintln(w)
		}
		for _, b := range budgets {
			fmt.Fprint(w, b)
		}
		if !bot.OK && bot.Database.Error != "" {
			ok = false
			fmt.Fprintf(w, "  机器人读写数据库出错：%s\n", bot.Database.Error)
		}
	}
	if d := h.LastDigest; d != nil {
		fmt.Fprintf(w, "上次周报：%s，已发 %d，失败 %d，发送中 %d（%s）\n", d.Week, d.Sent, d.Failed, d.Sending, d.At.In(time.Local).Format("2006-01-02 15:04"))
	} else if h.Database.Reachable {
		fmt.Fprintln(w, "上次周报：还没有发过")
	}
	if ok {
		fmt.Fprintln(w, "状态：正常")
	} else {
		fmt.Fprintln(w, "状态：异常")
	}
	return ok
}

// fetchHealth asks the running bot's admin endpoint for its health; a 503
// is an answer too.
func fetchHealth(ctx context.Context, addr string) (*web.Health, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var h web.Health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil {
		return nil, fmt.Errorf("HTTP %d：%w", resp.StatusCode, err)
	}
	return &h, nil
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", n/1024)
}
