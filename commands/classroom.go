package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// maxClassroom bounds the lectures /微课堂 lists in one reply.
const maxClassroom = 20

func classroomCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"微课堂", "网上微课堂"},
		English: []string{"classroom"},
		Summary: "网上微课堂：优秀微党课及视频链接，最新的在前",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
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
	var b strings.Builder
	fmt.Fprintf(&b, "📺 %s网上微课堂：优秀微党课 %d 节", name, len(list))
	if len(list) > maxClassroom {
		fmt.Fprintf(&b, "（最新 %d 节）", maxClassroom)
		list = list[:maxClassroom]
	}
	for _, e := range list {
		l := e.Lecture
		fmt.Fprintf(&b, "\n#%d %s %s（%s）《%s》\n%s", l.ID, l.Date.Format(dangke.DateLayout), l.Speaker, dangke.RelPath(l.UnitPath, scope), l.Title, l.Link)
		if e.Reason != "" {
			b.WriteString(" · " + e.Reason)
		}
	}
	return &dangke.Reply{Text: b.String()}, nil
}
