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
			{Name: "周", Aliases: []string{"week"}, Kind: KChoice, Choices: []string{"本周", "上周", "this-week", "last-week"}, Positional: true, Example: "上周", Hint: "默认本周"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
		},
		Example: "/周报 上周",
		Perm:    Reader,
		Costly:  true,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			week, today := dangke.Week(c.Now), c.Now
			if w := c.Text("周"); w == "上周" || w == "last-week" {
				week = dangke.Week(c.Now.AddDate(0, 0, -7))
				today = week.To.AddDate(0, 0, 1)
			}
			var scope *dangke.Unit
			switch target := c.Text("单位"); {
			case target == dangke.CityName || (target == "" && c.CityChat):
			case target != "":
				u, err := c.ResolveUnit(ctx, target)
				if err != nil {
					return nil, err
				}
				scope = u
			case c.Unit != nil:
				scope = c.Unit
			default:
				return nil, dangke.FieldErrorf("单位", "要写明：本群尚未绑定单位。")
			}
			snap, err := digest.Collect(ctx, c.Store(), r.cfg.Campaign, r.cfg.City, r.cfg.Rubric, week, today)
			if err != nil {
				return nil, err
			}
			return &dangke.Reply{Text: snap.Build(scope, false).Text}, nil
		},
	}
}
