package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// dashboardCommand is /看板: a signed link to the chat's unit's dashboard,
// and /看板 作废 to void the links the chat was given.
func dashboardCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"看板"},
		English: []string{"dashboard"},
		Summary: "获取本单位数据看板的链接（免登录，有效期内可转发给领导）",
		Fields: []Field{
			{Name: "操作", Aliases: []string{"action"}, Kind: KText, Positional: true, Example: "作废", Hint: "写 作废 使本群此前发出的看板链接全部失效"},
		},
		Example: "/看板",
		Perm:    Reader,
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runDashboard(ctx, c, r) },
	}
}

func runDashboard(ctx context.Context, c *Call, r *Router) (*dangke.Reply, error) {
	links := r.cfg.Dashboard
	if links == nil {
		return nil, dangke.Errorf(dangke.EINVALID, "看板未开启：请管理员在配置中设置 web.listen 和 web.public_url。")
	}
	if !c.CityChat && c.Unit == nil {
		return nil, dangke.Errorf(dangke.EINVALID, "本群尚未绑定单位，不能发看板链接。管理员可用 /单位 绑定 温县 绑定后再试。")
	}
	switch op := strings.TrimSpace(c.Text("操作")); op {
	case "":
	case "作废", "revoke":
		if !(c.Super || (c.Unit != nil && c.IsAdminOf(c.Unit))) {
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "只有本单位的管理员可以作废看板链接。")
		}
		if err := links.Revoke(ctx, c.Req.Chat, c.Req.From.Key(), c.Now); err != nil {
			return nil, err
		}
		return &dangke.Reply{Text: "本群此前发出的看板链接已全部作废 🔒\n需要时发送 /看板 获取新链接。"}, nil
	default:
		return nil, dangke.FieldErrorf("操作", "只能是 作废，收到「%s」。", clip(op))
	}
	var scope *dangke.Unit
	name := r.cfg.City
	if !c.CityChat {
		scope, name = c.Unit, c.Unit.Path
	}
	url, exp, err := links.Link(ctx, scope, c.Req.Chat, c.Now)
	if err != nil {
		return nil, err
	}
	return &dangke.Reply{Text: fmt.Sprintf("📊 %s 数据看板\n%s\n有效至 %s，只显示%s及下级单位；手机、电脑、投影均可打开（投影加 ?screen=1）。\n链接外泄时发送 /看板 作废。",
		name, url, exp.Format("2006-01-02 15:04"), name)}, nil
}
