package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

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
			{Name: "页", Aliases: []string{"第几页", "page"}, Kind: KCount, Example: "2", Hint: "默认第 1 页，最多第 20 页"},
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
	page, err := c.Int("页", 1)
	if err != nil {
		return nil, err
	}
	if page < 1 || page > maxPages {
		return nil, dangke.FieldErrorf("页", "应为 1 到 %d，收到 %d。", maxPages, page)
	}
	ls, err := c.Store().Lectures(ctx, unit.ID, n*page+1) // one more: is there a next page?
	if err != nil {
		return nil, err
	}
	more := len(ls) > n*page
	ls = ls[min((page-1)*n, len(ls)):min(page*n, len(ls))]
	if len(ls) == 0 && page == 1 {
		return &dangke.Reply{Text: unit.Path + " 还没有登记微党课。例：" + lectureCommand().Example}, nil
	}
	if len(ls) == 0 {
		return &dangke.Reply{Text: fmt.Sprintf("%s 没有第 %d 页了。", unit.Path, page)}, nil
	}
	var b strings.Builder
	if page == 1 {
		fmt.Fprintf(&b, "%s 最近 %d 条微党课：", unit.Path, len(ls))
	} else {
		fmt.Fprintf(&b, "%s 微党课第 %d 页（每页 %d 条）：", unit.Path, page, n)
	}
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
	reply := &dangke.Reply{Text: b.String()}
	var turn []choice // [上一页] [下一页]: the same list a page back or on
	at := fmt.Sprintf("/记录 %s %d 页=", unit.Path, n)
	if page > 1 {
		turn = append(turn, choice{"上一页", at + fmt.Sprint(page-1)})
	}
	if more && page < maxPages {
		turn = append(turn, choice{"下一页", at + fmt.Sprint(page+1)})
	}
	reply.Buttons = c.r.offer(ctx, c, "", c.Now.Add(time.Hour), turn)
	return reply, nil
}

// maxPages is the furthest page /记录 turns to.
const maxPages = 20
