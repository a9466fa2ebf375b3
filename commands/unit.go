package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// The /单位 (/unit) group: add, set members, bind the chat, show the tree.

func pathField(required bool) Field {
	return Field{Name: "路径", Aliases: []string{"单位", "path", "unit"}, Kind: KUnit, Required: required, Positional: true,
		Example: "温县/城关镇/第一党支部", Hint: "从县市区或市直系统写起，用 / 分隔"}
}

func membersField(required bool) Field {
	return Field{Name: "党员数", Aliases: []string{"党员", "members"}, Kind: KCount, Required: required, Positional: true,
		Example: "45", Hint: "本单位直属党员数，不含下级单位"}
}

func unitAddCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"新增", "添加", "add"},
		Summary: "新增单位（缺少的上级一并建立）",
		Fields: []Field{pathField(true), membersField(false),
			{Name: "类型", Aliases: []string{"kind"}, Kind: KChoice, Choices: []string{"县市区", "系统", "单位", "党支部"}, Example: "党支部", Hint: "默认按名称判断"}},
		Example: "/单位 新增 温县/城关镇/第一党支部 45",
		Perm:    Admin,
		Run:     runUnitAdd,
	}
}

func runUnitAdd(ctx context.Context, c *Call) (*dangke.Reply, error) {
	names, err := dangke.ParsePath(c.Text("路径"))
	if err != nil {
		return nil, err
	}
	members, err := c.Int("党员数", 0)
	if err != nil {
		return nil, err
	}
	if members < 0 || members > 10000000 {
		return nil, dangke.FieldErrorf("党员数", "应为 0 到 10000000 之间的整数，收到 %d。", members)
	}
	var kind dangke.UnitKind
	if k := c.Text("类型"); k != "" {
		kind, _ = dangke.ParseUnitKind(k)
	}
	path := dangke.JoinPath(names)
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		var parent *dangke.Unit
		var created []string
		for i := range names {
			u, err := tx.UnitByPath(ctx, dangke.JoinPath(names[:i+1]))
			if err == nil {
				if i == len(names)-1 {
					return "", dangke.Errorf(dangke.ECONFLICT, "单位「%s」已存在；改党员数请用 /单位 党员数 %s %d。", path, path, max(members, 1))
				}
				parent = u
				continue
			}
			if dangke.ErrorCode(err) != dangke.ENOTFOUND {
				return "", err
			}
			if parent == nil && !c.Super {
				return "", dangke.Errorf(dangke.EFORBIDDEN, "新增县市区或市直系统（「%s」）需要系统管理员。", names[0])
			}
			if parent != nil && !c.IsAdminOf(parent) {
				return "", dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能在其下新增单位。", parent.Path)
			}
			nu := &dangke.Unit{Name: names[i], Kind: dangke.InferUnitKind(i+1, names[i])}
			if parent != nil {
				nu.ParentID = parent.ID
			}
			if i == len(names)-1 {
				nu.Members = members
				if kind != "" {
					nu.Kind = kind
				}
			}
			if err := tx.AddUnit(ctx, nu); err != nil {
				return "", err
			}
			if err := tx.Audit(ctx, c.Audit("unit.add", "unit", nu.ID, fmt.Sprintf("%s（%s，党员 %d）", nu.Path, nu.Kind.Label(), nu.Members))); err != nil {
				return "", err
			}
			created = append(created, nu.Path)
			parent = nu
		}
		text := fmt.Sprintf("已新增单位：%s（%s，党员 %d 人）。", parent.Path, parent.Kind.Label(), parent.Members)
		if len(created) > 1 {
			text += "\n同时建立了上级：" + strings.Join(created[:len(created)-1], "、") + "。"
		}
		return text, nil
	})
}

func unitMembersCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"党员数", "members"},
		Summary: "设置单位的党员数",
		Fields:  []Field{pathField(true), membersField(true)},
		Example: "/单位 党员数 温县/城关镇/第一党支部 45",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			n, err := c.Int("党员数", 0)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 10000000 {
				return nil, dangke.FieldErrorf("党员数", "应为 0 到 10000000 之间的整数，收到 %d。", n)
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能修改党员数。", u.Path)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetMembers(ctx, u.ID, n); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("unit.members", "unit", u.ID, fmt.Sprintf("%s 党员数 %d → %d", u.Path, u.Members, n))); err != nil {
					return "", err
				}
				return fmt.Sprintf("已将「%s」的党员数由 %d 改为 %d。", u.Path, u.Members, n), nil
			})
		},
	}
}

func unitBindCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"绑定", "bind"},
		Summary: "把本群绑定到一个单位",
		Fields:  []Field{pathField(true)},
		Example: "/单位 绑定 温县/城关镇/第一党支部",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			if c.Text("路径") == dangke.CityName {
				return bindCity(ctx, c)
			}
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能把本群绑定到该单位。", u.Path)
			}
			if c.Unit != nil && !c.IsAdminOf(c.Unit) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群已绑定「%s」，你不是该单位的管理员，不能改绑。", c.Unit.Path)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.BindChat(ctx, c.Req.Chat, u.ID, c.Req.From.Key(), c.Now); err != nil {
					return "", err
				}
				detail := c.Req.Chat.Key() + " → " + u.Path
				if err := tx.Audit(ctx, c.Audit("chat.bind", "unit", u.ID, detail)); err != nil {
					return "", err
				}
				text := fmt.Sprintf("本群已绑定「%s」。此后在本群登记的党课都记在该单位名下。", u.Path)
				if c.Unit != nil && c.Unit.ID != u.ID {
					text += fmt.Sprintf("（原绑定：%s）", c.Unit.Path)
				}
				return text, nil
			})
		},
	}
}

// bindCity binds the chat to the whole city: it gets the city's digest, and
// /统计 there means 全市.
func bindCity(ctx context.Context, c *Call) (*dangke.Reply, error) {
	if !c.Super {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "把群绑定到全市需要系统管理员。")
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.BindCity(ctx, c.Req.Chat, c.Req.From.Key(), c.Now); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("chat.bind", "city", 0, c.Req.Chat.Key()+" → "+dangke.CityName)); err != nil {
			return "", err
		}
		return "本群已绑定「全市」：每周收到全市周报，/统计 默认显示全市。", nil
	})
}

// maxTreeLines bounds the /单位 列表 reply.
const maxTreeLines = 60

func unitTreeCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"列表", "tree", "list"},
		Summary: "查看单位树及党员数",
		Fields:  []Field{pathField(false)},
		Example: "/单位 列表 温县",
		Perm:    Reader,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			var root int64
			if p := c.Text("路径"); p != "" {
				u, err := c.ResolveUnit(ctx, p)
				if err != nil {
					return nil, err
				}
				root = u.ID
			}
			us, err := c.Store().Units(ctx, root)
			if err != nil {
				return nil, err
			}
			if len(us) == 0 {
				return &dangke.Reply{Text: "还没有任何单位。系统管理员可发送：/单位 新增 温县"}, nil
			}
			base := us[0].Depth
			var b strings.Builder
			for i, u := range us {
				if i == maxTreeLines {
					fmt.Fprintf(&b, "……另有 %d 个单位，请用 /单位 列表 路径 查看下级。", len(us)-i)
					break
				}
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString(strings.Repeat("　", u.Depth-base))
				fmt.Fprintf(&b, "%s（%s", u.Name, u.Kind.Label())
				if u.Members > 0 {
					fmt.Fprintf(&b, "，党员 %d", u.Members)
				}
				b.WriteString("）")
			}
			return &dangke.Reply{Text: b.String()}, nil
		},
	}
}
