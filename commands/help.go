package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

func helpCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"帮助", "说明"},
		English: []string{"help", "start"},
		Summary: "查看可用命令；/帮助 命令名 查看该命令的写法",
		Fields: []Field{
			{Name: "命令", Aliases: []string{"command"}, Kind: KText, Positional: true, Example: "党课"},
			{Name: "子命令", Aliases: []string{"sub"}, Kind: KText, Positional: true, Example: "授予", Hint: "如 /帮助 角色 授予"},
		},
		Example: "/帮助 党课",
		Perm:    Anyone,
		Run: func(_ context.Context, c *Call) (*dangke.Reply, error) {
			if name := strings.TrimPrefix(c.Text("命令"), "/"); name != "" {
				group := r.lookup(name)
				if len(group) == 0 {
					return &dangke.Reply{Text: r.unknown(name)}, nil
				}
				if sub := c.Text("子命令"); sub != "" {
					var subs, names []string
					for _, cmd := range group {
						if len(cmd.Sub) > 0 {
							names = append(names, cmd.Sub[0])
						}
						if containsFold(cmd.Sub, sub) {
							subs = append(subs, usage(cmd))
						}
					}
					if len(subs) == 0 {
						if len(names) == 0 {
							return &dangke.Reply{Text: fmt.Sprintf("/%s 没有子命令，发送 /帮助 %s 查看写法。", group[0].Names[0], group[0].Names[0])}, nil
						}
						return &dangke.Reply{Text: fmt.Sprintf("/%s 没有「%s」这个子命令，可写：%s。例：/帮助 %s %s", group[0].Names[0], clip(sub), strings.Join(names, "、"), group[0].Names[0], names[0])}, nil
					}
					return &dangke.Reply{Text: strings.Join(subs, "\n\n")}, nil
				}
				parts := make([]string, len(group))
				for i, cmd := range group {
					parts[i] = usage(cmd)
				}
				return &dangke.Reply{Text: strings.Join(parts, "\n\n")}, nil
			}
			return &dangke.Reply{Text: overview(r, c)}, nil
		},
	}
}

// allowed reports whether the sender passes a command's permission level.
func allowed(c *Call, cmd *Command) bool { return c.permits(cmd.Perm) }

// overview lists the commands the sender may use, one line each.
func overview(r *Router, c *Call) string {
	var b strings.Builder
	b.WriteString("党课助手 · 可用命令")
	hidden := 0
	for _, cmd := range r.cmds {
		if !allowed(c, cmd) {
			hidden++
			continue
		}
		fmt.Fprintf(&b, "\n%s", cmd.Title())
		if en := cmd.englishTitle(); en != "" {
			fmt.Fprintf(&b, "（%s）", en)
		}
		b.WriteString(" " + cmd.Summary)
	}
	b.WriteString("\n发送 /帮助 党课 查看写法。")
	if note := campaignNote(r.cfg.Campaign, c.Now); note != "" {
		b.WriteString("\n" + note)
	}
	if hidden > 0 && c.Unit == nil {
		b.WriteString("本群尚未绑定单位，登记类命令需管理员先发送 /单位 绑定。")
	}
	return b.String()
}

// usage explains one command: its names, fields and example.
func usage(cmd *Command) string {
	var b strings.Builder
	b.WriteString(cmd.Title())
	var alias []string
	for _, n := range cmd.Names[1:] {
		alias = append(alias, "/"+n)
	}
	if en := cmd.englishTitle(); en != "" {
		alias = append(alias, en)
	}
	if len(alias) > 0 && len(cmd.Sub) == 0 {
		b.WriteString("（" + strings.Join(alias, "、") + "）")
	} else if en := cmd.englishTitle(); en != "" {
		b.WriteString("（" + en + "）")
	}
	b.WriteString(" — " + cmd.Summary)
	if len(cmd.Fields) > 0 {
		b.WriteString("\n按顺序写，或写成 字段=值：")
		for _, f := range cmd.Fields {
			mark := ""
			if f.Required {
				mark = "*"
			}
			fmt.Fprintf(&b, "\n  %s%s", f.Name, mark)
			if f.Label != "" && f.Label != f.Name {
				fmt.Fprintf(&b, " %s", f.Label)
			}
			if f.Hint != "" {
				fmt.Fprintf(&b, "，%s", f.Hint)
			}
			if f.Example != "" {
				fmt.Fprintf(&b, "，例：%s", f.Example)
			}
		}
		b.WriteString("\n带 * 的必填，缺了我会逐项询问。")
		if cmd.kindField(KPost) != nil {
			b.WriteString("\n题目（加《》）、日期、人数（45人）和职务按写法认出，顺序不限；拿不准的我会先问。")
		}
	}
	b.WriteString("\n例：" + cmd.Example)
	return b.String()
}

// campaignNote says when the campaign has not begun or has ended, or "".
func campaignNote(k dangke.Campaign, now time.Time) string {
	today := dangke.Midnight(now)
	from, to := k.Start.Format(dangke.DateLayout), k.End.Format(dangke.DateLayout)
	outside := "活动期外的党课不能登记。"
	if k.AcceptOutside {
		outside = "活动期外的党课仍可登记。"
	}
	switch {
	case today.Before(dangke.Midnight(k.Start)):
		return fmt.Sprintf("⚠️ %s尚未开始（%s 至 %s）；%s", k.Name, from, to, outside)
	case today.After(dangke.Midnight(k.End)):
		return fmt.Sprintf("⚠️ %s已于 %s 结束（%s 至 %s）；%s", k.Name, to, from, to, outside)
	}
	return ""
}
