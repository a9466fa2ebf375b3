package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dangke"
)

// unitContactsCommand names a unit's responsible people: the digests and
// deadline reminders that name the unit @-mention them in its groups.
func unitContactsCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"负责人", "contacts"},
		Summary: "设置单位的负责人（提醒时 @ 他们）",
		Fields: []Field{pathField(true), {Name: "成员", Aliases: []string{"负责人", "people"}, Kind: KText, Positional: true, Variadic: true,
			Example: "dingtalk:manager123 dingtalk:lisi", Hint: "用户ID（/我 可查），多个用空格分开；写「无」清除；不写则查看"}},
		Example: "/单位 负责人 温县/城关镇/第一党支部 dingtalk:manager123",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能设置负责人。", u.Path)
			}
			raw := strings.TrimSpace(c.Text("成员"))
			if raw == "" && len(c.Req.Mentioned) == 0 {
				all, err := c.Store().AllContacts(ctx)
				if err != nil {
					return nil, err
				}
				if len(all[u.ID]) == 0 {
					return &dangke.Reply{Text: fmt.Sprintf("「%s」还没有负责人。设置：/单位 负责人 %s 用户ID …", u.Path, u.Path)}, nil
				}
				return &dangke.Reply{Text: fmt.Sprintf("「%s」的负责人：%s", u.Path, strings.Join(all[u.ID], "、"))}, nil
			}
			people, err := contactKeys(raw, c.Req.From.Platform, len(c.Req.Mentioned) > 0)
			if err != nil {
				return nil, err
			}
			for _, p := range c.Req.Mentioned { // @-mentioned in the group: the platform named them
				if k := p.Key(); !slices.Contains(people, k) {
					people = append(people, k)
				}
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetContacts(ctx, u.ID, people, c.Req.From.Key(), c.Now); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("unit.contacts", "unit", u.ID, fmt.Sprintf("%s 负责人：%s", u.Path, strings.Join(people, "、")))); err != nil {
					return "", err
				}
				if len(people) == 0 {
					return fmt.Sprintf("已清除「%s」的负责人。", u.Path), nil
				}
				return fmt.Sprintf("已设置「%s」的负责人：%s。\n周报和截止提醒点名该单位时会在群里 @ 他们（只 @ 在该群发过言、没有 /提醒 关闭 的人）。",
					u.Path, strings.Join(people, "、")), nil
			})
		},
	}
}

// contactKeys reads responsible people as platform:id keys: typed as
// platform:id, or as a bare id (an @ before it dropped) on the sender's
// platform; 无 clears the list. With mentioned set, the @names in the text
// are the platform's mentions (display names, not ids) and are skipped.
func contactKeys(raw, platform string, mentioned bool) ([]string, error) {
	raw = strings.NewReplacer("，", " ", "、", " ", ",", " ", "\u3000", " ").Replace(raw)
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(raw) {
		if w == "无" || w == "清除" {
			return nil, nil
		}
		if mentioned && strings.HasPrefix(w, "@") {
			continue
		}
		w = strings.TrimPrefix(w, "@")
		p, ok := dangke.ParsePersonKey(w)
		if !ok {
			p = dangke.Person{Platform: platform, ID: w}
		}
		if p.ID == "" || len(p.ID) > 128 || strings.ContainsAny(p.ID, "/《》") {
			return nil, dangke.FieldErrorf("成员", "「%s」不像用户ID，请写 /我 显示的用户ID。", clip(w))
		}
		if k := p.Key(); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(out) > 20 {
		return nil, dangke.FieldErrorf("成员", "一个单位最多 20 名负责人，收到 %d 名。", len(out))
	}
	return out, nil
}

// remindCommands let a person stop or resume being @-mentioned by
// reminders, and admins see who stopped.
func remindOffCommand() *Command {
	return remindSetCommand([]string{"关闭", "off"}, true)
}

func remindOnCommand() *Command {
	return remindSetCommand([]string{"开启", "on"}, false)
}

func remindSetCommand(sub []string, off bool) *Command {
	summary, done := "提醒时不再 @ 我", "好的，之后周报和截止提醒不再 @ 你（仍会发到群里）。发送 /提醒 开启 可恢复。"
	if !off {
		summary, done = "提醒时恢复 @ 我", "好的，之后周报和截止提醒点名你负责的单位时会 @ 你。"
	}
	return &Command{
		Names: []string{"提醒"}, English: []string{"remind"}, Sub: sub,
		Summary: summary,
		Example: "/提醒 关闭",
		Perm:    Anyone,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetOptOut(ctx, c.Req.From.Key(), off, c.Now); err != nil {
					return "", err
				}
				action := "remind.on"
				if off {
					action = "remind.off"
				}
				if err := tx.Audit(ctx, c.Audit(action, "person", 0, c.Req.From.Key())); err != nil {
					return "", err
				}
				return done, nil
			})
		},
	}
}

func remindListCommand() *Command {
	return &Command{
		Names: []string{"提醒"}, English: []string{"remind"}, Sub: []string{"名单", "optouts"},
		Summary: "查看谁关闭了 @ 提醒",
		Example: "/提醒 名单",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			people, err := c.Store().OptedOut(ctx)
			if err != nil {
				return nil, err
			}
			if len(people) == 0 {
				return &dangke.Reply{Text: "没有人关闭 @ 提醒。"}, nil
			}
			return &dangke.Reply{Text: fmt.Sprintf("关闭了 @ 提醒的人（%d）：%s", len(people), strings.Join(people, "、"))}, nil
		},
	}
}
