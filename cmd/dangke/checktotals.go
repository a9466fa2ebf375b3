package main

import (
	"context"
	"errors"
	"fmt"
)

// parseCheckTotals reads `check-totals [--fix]`.
func (m *Main) parseCheckTotals(args []string) error {
	fs := m.flags("check-totals", "把保存的累计数（各单位、各周的党课次数、讲课人、听课人次等）与党课记录重新统计的结果逐行核对；\n"+
		"--fix 时，不一致就按党课记录重算全部累计数（与机器人同时运行也安全，重算在一个事务里完成）。",
		"dangke check-totals --fix")
	fs.BoolVar(&m.seed.fix, "fix", false, "不一致时按党课记录重算")
	return m.parse(fs, args)
}

// runCheckTotals compares the kept totals with a recount, and repairs them with --fix.
func (m *Main) runCheckTotals(ctx context.Context) error {
	before, err := m.store.CheckTotals(ctx, false)
	if err != nil {
		return err
	}
	fmt.Fprint(m.Stdout, before.String())
	if before.OK() {
		fmt.Fprintln(m.Stdout, "累计数与党课记录一致。")
		return nil
	}
	if !m.seed.fix {
		return errors.New("累计数与党课记录不一致；用 dangke check-totals --fix 按党课记录重算")
	}
	after, err := m.store.CheckTotals(ctx, true)
	if err != nil {
		return err
	}
	if !after.OK() {
		fmt.Fprint(m.Stdout, after.String())
		return errors.New("重算后仍不一致，请保留数据库文件并报告")
	}
	fmt.Fprintln(m.Stdout, "已按党课记录重算，累计数现在一致。")
	return nil
}
