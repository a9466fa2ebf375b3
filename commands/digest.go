package commands

import (
	"context"

	"dangke"
	"dangke/digest"
)

// digestCommand is /周报: this or last week's digest for the chat's unit, on demand.
func digestCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"周报"},
		English: []string{"digest"},
		Summary: "查看本单位本周或上周的周报（每周一也会自动发送）",
		Fields: []Field{
			{Name: "周", Aliases: []string{"week"}, Kind: KText, Positional: true, Example: "上周", Hint: "本周、上周、2019-W27 或那一周的某天，默认本周"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
		},
		Example: "/周报 上周",
		Perm:    Reader,
		Costly:  true,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			// The week and the unit in any order: /周报 全市, /周报 温县 上周.
			target, w, _, err := c.scopeArgs(true, "周", "单位")
			if err != nil {
				return nil, err
			}
			week, today, err := parseWeek(w, c.Now)
			if err != nil {
				return nil, err
			}
			scope, whole, err := c.scope(ctx, target)
			if err != nil {
				return nil, err
			}
			if scope == nil && !whole {
				return nil, dangke.FieldErrorf("单位", "要写明：本群尚未绑定单位。")
			}
			// One reporting unit's subtree for a unit; the city's from its
			// reporting units read one at a time.
			src, err := digest.NewSource(ctx, c.Store(), r.cfg.Campaign, r.cfg.City, r.cfg.Rubric, week, today)
			if err != nil {
				return nil, err
			}
			snap, err := src.For(ctx, scope)
			if err != nil {
				return nil, err
			}
			return &dangke.Reply{Text: snap.Build(scope, false).Text}, nil
		},
	}
}
