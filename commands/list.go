package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

func listCommand() *Command {
	return &Command{
		Names:   []string{"记录", "最近"},
		English: []string{"list"},
		Summary: "查看本单位最近登记的微党课及编号",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Positional: true, Example: "城关镇", Hint: "默认为本群绑定的单位"},
			{Name: "条数", Aliases: []string{"limit"}, Kind: KCount, Positional: true, Example: "20", Hint: "默认 10，最多 50"},
		},
		Example: "/记录 城关镇 20",
		Perm:    Member,
		Verb:    "查看「%s」的记录",
		Run:     runList,
	}
}

func runList(ctx context.Context, c *Call) (*dangke.Reply, error) {
	if v := c.Text("单位"); dangke.Digits(fold(v)) && !c.Args.Has("条数") { // /记录 20
		c.Args["条数"], c.Args["单位"] = fold(v), ""
		delete(c.Args, "单位")
	}
	unit, err := c.TargetUnit(ctx, "单位")
	if err != nil {
		return nil, err
	}
	n, err := c.Int("条数", 10)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > 50 {
		return nil, dangke.FieldErrorf("条数", "应为 1 到 50，收到 %d。", n)
	}
	ls, err := c.Store().Lectures(ctx, unit.ID, n)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return &dangke.Reply{Text: unit.Path + " 还没有登记微党课。例：" + lectureCommand().Example}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s 最近 %d 条微党课：", unit.Path, len(ls))
	for _, l := range ls {
		where := ""
		if l.UnitID != unit.ID {
			where = strings.TrimPrefix(l.UnitPath, unit.Path+"/") + " "
		}
		day := l.Date.Format("01-02")
		if l.Date.Year() != c.Now.Year() { // an entry of another year says so
			day = l.Date.Format(dangke.DateLayout)
		}
		fmt.Fprintf(&b, "\n#%d %s %s%s《%s》%d人", l.ID, day, where, l.Speaker, l.Title, l.Attendees)
	}
	b.WriteString("\n撤回自己的上一条：/撤销；管理员删除：/删除 编号")
	return &dangke.Reply{Text: b.String()}, nil
}
