package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dangke/internal/seed"
)

// seedArgs are the arguments of `dangke seed`.
type seedArgs struct {
	branches, lectures int
	chats              bool
	fix                bool // check-totals --fix
}

// parseSeed reads `seed --branches N --lectures M --db FILE`.
func (m *Main) parseSeed(args []string) error {
	fs := m.flags("seed", "试用和测量用：在一个新的（或空的）数据库里生成一个省规模的示例单位树（县市区 → 乡镇 → 党支部，\n"+
		"党员数、宣讲员、师资库、整个活动期间的党课），同样的参数每次生成同样的数据。已有单位、党课或宣讲员的数据库一律拒绝写入。",
		"dangke seed --branches 100000 --lectures 10000000 --db province.db")
	fs.IntVar(&m.seed.branches, "branches", 10000, "党支部数 `N`")
	fs.IntVar(&m.seed.lectures, "lectures", 1000000, "党课总数 `M`（分到各党支部）")
	fs.BoolVar(&m.seed.chats, "chats", true, "给每个县市区和乡镇绑定一个群聊（周报的收件群）")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if m.dbPath == "" {
		return m.usageError(fs, "seed 要用 --db 指定一个新的数据库文件")
	}
	if m.seed.branches < 1 || m.seed.lectures < 0 {
		return m.usageError(fs, "--branches 至少为 1，--lectures 不能为负数")
	}
	return nil
}

// runSeed fills the new database.
func (m *Main) runSeed(ctx context.Context) error {
	if m.store.Postgres() {
		return errors.New("seed 只生成 SQLite 数据库；请先 dangke seed --db province.db，再 dangke migrate-db --db province.db --to postgres://…")
	}
	began := time.Now()
	s, err := seed.Province(ctx, m.store, seed.Options{Branches: m.seed.branches, Lectures: m.seed.lectures, Chats: m.seed.chats})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已生成示例数据：%d 个县市区、%d 个乡镇、%d 个党支部，%d 次党课，%d 名宣讲员，%d 个群聊（%.1f 秒）。\n",
		s.Counties, s.Towns, s.Branches, s.Lectures, s.Instructors, s.Chats, time.Since(began).Seconds())
	return nil
}
