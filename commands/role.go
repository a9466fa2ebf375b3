package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// The /角色 (/role) group: unit admins over a subtree.

func personField() Field {
	return Field{Name: "用户", Aliases: []string{"person", "user"}, Kind: KText, Required: true, Positional: true,
		Example: "dingtalk:manager123", Hint: "平台:用户ID，本人可用 /我 查看；同平台可省略前缀"}
}

// person reads the 用户 field; a bare id is on the sender's platform.
func (c *Call) person() (string, error) {
	v := c.Text("用户")
	if !strings.Contains(v, ":") {
		v = c.Req.From.Platform + ":" + v
	}
	p, ok := dangke.ParsePersonKey(v)
	if !ok || len(v) > 128 {
		return "", dangke.FieldErrorf("用户", "应写作 平台:用户ID，收到「%s」。", clip(c.Text("用户")))
	}
	return p.Key(), nil
}

func roleUnit(ctx context.Context, c *Call, verb string) (*dangke.Unit, string, error) {
	person, err := c.person()
	if err != nil {
		return nil, "", err
	}
	u, err := c.ResolveUnit(ctx, c.Text("路径"))
	if err != nil {
		return nil, "", err
	}
	if !c.IsAdminOf(u) {
		return nil, "", dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能%s该单位的管理员。", u.Path, verb)
	}
	return u, person, nil
}

func roleGrantCommand() *Command {
	return &Command{
		Names: []string{"角色"}, English: []string{"role"}, Sub: []string{"授予", "添加", "grant"},
		Summary: "授予某人一个单位（含下级）的管理员角色",
		Fields:  []Field{personField(), pathField(true)},
		Example: "/角色 授予 dingtalk:manager123 温县",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, person, err := roleUnit(ctx, c, "授予")
			if err != nil {
				return nil, err
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				r := dangke.Role{Person: person, UnitID: u.ID, GrantedBy: c.Req.From.Key(), GrantedAt: c.Now}
				if err := tx.Grant(ctx, r); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("role.grant", "role", u.ID, person+" @ "+u.Path)); err != nil {
					return "", err
				}
				return fmt.Sprintf("已授予 %s「%s」及其下级单位的管理员角色。", person, u.Path), nil
			})
		},
	}
}

func roleRevokeCommand() *Command {
	return &Command{
		Names: []string{"角色"}, English: []string{"role"}, Sub: []string{"撤销", "移除", "revoke"},
		Summary: "撤销某人在一个单位的管理员角色",
		Fields:  []Field{personField(), pathField(true)},
		Example: "/角色 撤销 dingtalk:manager123 温县",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, person, err := roleUnit(ctx, c, "撤销")
			if err != nil {
				return nil, err
			}
			// A unit admin revokes only roles strictly below their own unit:
			// peers cannot take each other's rights away.
			if !c.Super && !c.IsAdminAbove(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你只能撤销下级单位的管理员角色；「%s」的管理员角色请上级单位管理员或系统管理员撤销。", u.Path)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.Revoke(ctx, person, u.ID); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("role.revoke", "role", u.ID, person+" @ "+u.Path)); err != nil {
					return "", err
				}
				return fmt.Sprintf("已撤销 %s 在「%s」的管理员角色。", person, u.Path), nil
			})
		},
	}
}

func roleListCommand() *Command {
	return &Command{
		Names: []string{"角色"}, English: []string{"role"}, Sub: []string{"列表", "查看", "list"},
		Summary: "查看某人的管理员角色",
		Fields:  []Field{{Name: "用户", Aliases: []string{"person", "user"}, Kind: KText, Positional: true, Example: "dingtalk:manager123", Hint: "默认为自己"}},
		Example: "/角色 列表 dingtalk:manager123",
		Perm:    Reader,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			person := c.Req.From.Key()
			if c.Args.Has("用户") {
				var err error
				if person, err = c.person(); err != nil {
					return nil, err
				}
			}
			roles, err := c.Store().Roles(ctx, person)
			if err != nil {
				return nil, err
			}
			if len(roles) == 0 {
				return &dangke.Reply{Text: person + " 没有单位管理员角色。"}, nil
			}
			paths := make([]string, len(roles))
			for i, r := range roles {
				paths[i] = r.UnitPath
			}
			return &dangke.Reply{Text: person + " 是以下单位（含下级）的管理员：" + strings.Join(paths, "、") + "。"}, nil
		},
	}
}
