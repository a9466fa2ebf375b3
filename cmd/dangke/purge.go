package main

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// parsePurge reads `purge --before DATE`.
func (m *Main) parsePurge(args []string) error {
	fs := m.flags("purge", "删除某日之前处理过的消息记录（含为应对平台重发而保存的回复），并隐去已移出师资库的宣讲员的完整手机号。\n党课、宣讲员、审计记录不受影响。活动结束、材料报送完毕后执行；执行本身记入审计。",
		"dangke purge --before 2020-01-01")
	fs.StringVar(&m.tool.from, "before", "", "日期 `DATE`（如 2020-01-01）：删除这一天之前的消息记录")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if m.tool.from == "" {
		return m.usageError(fs, "purge 要用 --before 指定日期")
	}
	if _, err := time.Parse(dangke.DateLayout, m.tool.from); err != nil {
		return m.usageError(fs, fmt.Sprintf("--before「%s」不是日期", m.tool.from))
	}
	return nil
}

// runPurge deletes old message records and masks removed lecturers' phones.
func (m *Main) runPurge(ctx context.Context) error {
	loc, _ := loadLocation(m.cfg.Timezone) // validated with the config
	before, _ := time.ParseInLocation(dangke.DateLayout, m.tool.from, loc)
	n, err := m.store.Purge(ctx, before, "cli:purge")
	if err != nil {
		return err
	}
	phones, err := m.store.ClearRemovedPhones(ctx, m.now().Add(-m.cfg.UndoWindow))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已删除 %s 之前的 %d 条消息记录；隐去了 %d 位已移出师资库的宣讲员的手机号。\n", m.tool.from, n, phones)
	return m.purgeMedia(ctx, before)
}

// housekeep masks the phone numbers of lecturers removed from a pool once
// the undo window has passed, and deletes the sent replies older than
// replies.keep_days, at start and then hourly, until ctx ends.
func (m *Main) housekeep(ctx context.Context) {
	for {
		if n, err := m.store.ClearRemovedPhones(ctx, m.now().Add(-m.cfg.UndoWindow)); err != nil {
			if ctx.Err() == nil {
				m.logger.Error("隐去已移出宣讲员的手机号失败", "err", err)
			}
		} else if n > 0 {
			m.logger.Info("隐去了已移出师资库的宣讲员的手机号", "count", n)
		}
		if n, err := m.store.PruneReplies(ctx, m.now().Add(-m.cfg.Replies.keep())); err != nil {
			if ctx.Err() == nil {
				m.logger.Error("删除过期的已发送回复失败", "err", err)
			}
		} else if n > 0 {
			m.logger.Info("删除了过期的已发送回复（平台不会再重发这些消息）", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// now is the program's clock.
func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
