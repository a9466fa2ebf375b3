package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// classroomPage is how many lectures one page of /微课堂 lists.
const classroomPage = 10

func classroomCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"微课堂", "网上微课堂"},
		English: []string{"classroom"},
		Summary: "网上微课堂：优秀微党课及视频链接，最新的在前",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
			{Name: "页", Aliases: []string{"第几页", "page"}, Kind: KCount, Example: "2", Hint: "默认第 1 页，每页 10 节"},
		},
		Example: "/微课堂 温县",
		Perm:    Reader,
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runClassroom(ctx, c, r.cfg.City) },
	}
}

func runClassroom(ctx context.Context, c *Call, city string) (*dangke.Reply, error) {
	// A chat bound to no unit (a 1:1 chat) sees the city's.
	unit, _, err := c.scope(ctx, c.Text("单位"))
	if err != nil {
		return nil, err
	}
	var id int64
	name, scope := city, ""
	if unit != nil {
		id, name, scope = unit.ID, unit.Path, unit.Path
	}
	list, err := c.Store().Excellents(ctx, id, dangke.Period{})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return &dangke.Reply{Text: fmt.Sprintf("%s网上微课堂还没有优秀微党课。管理员可用 %s 标记（须有视频链接）。", name, excellentCommand().Example)}, nil
	}
	page, err := c.Int("页", 1)
	if err != nil {
		return nil, err
	}
	pages := (len(list) + classroomPage - 1) / classroomPage
	if page < 1 || page > pages {
		return nil, dangke.FieldErrorf("页", "应为 1 到 %d，收到 %d。", pages, page)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📺 %s网上微课堂：优秀微党课 %d 节", name, len(list))
	if pages > 1 {
		fmt.Fprintf(&b, "（第 %d/%d 页）", page, pages)
	}
	for _, e := range list[(page-1)*classroomPage : min(page*classroomPage, len(list))] {
		l := e.Lecture
		fmt.Fprintf(&b, "\n#%d %s %s（%s）《%s》\n%s", l.ID, l.Date.Format(dangke.DateLayout), l.Speaker, dangke.RelPath(l.UnitPath, scope), l.Title, l.Link)
		if e.Reason != "" {
			b.WriteString(" · " + e.Reason)
		}
	}
	reply := &dangke.Reply{Text: b.String()}
	var turn []choice // [上一页] [下一页]: the same list a page back or on
	at := "/微课堂 " + name + " 页="
	if unit == nil {
		at = "/微课堂 全市 页="
	}
	if page > 1 {
		turn = append(turn, choice{"上一页", at + fmt.Sprint(page-1)})
	}
	if page < pages {
		turn = append(turn, choice{"下一页", at + fmt.Sprint(page+1)})
	}
	reply.Buttons = c.r.offer(ctx, c, "", c.Now.Add(time.Hour), turn)
	return reply, nil
}
