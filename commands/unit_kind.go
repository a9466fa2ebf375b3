package commands

import (
	"context"
	"fmt"

	"dangke"
)

// unitKindCommand is /单位 类型: a unit's kind put right. A branch (党支部)
// is where lectures are logged and what the digests' 尚未开展 and deadline
// lists and the coverage's 未填党员数 name; a village, a community or an
// office may be one in practice whatever its name says.
func unitKindCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"类型", "kind"},
		Summary: "更改单位的类型（党支部、单位；县市区、市直系统）",
		Fields: []Field{pathField(true),
			{Name: "类型", Aliases: []string{"kind"}, Kind: KText, Required: true, Positional: true, Example: "党支部",
				Hint: "下级单位：党支部 或 单位；最上级：县市区 或 系统"}},
		Example: "/单位 类型 温县/城关镇/东街村 党支部",
		Perm:    Admin,
		Run:     runUnitKind,
	}
}

func runUnitKind(ctx context.Context, c *Call) (*dangke.Reply, error) {
	u, err := c.ResolveUnit(ctx, c.Text("路径"))
	if err != nil {
		return nil, err
	}
	kind, ok := dangke.ParseUnitKind(c.Text("类型"))
	if !ok {
		return nil, dangke.FieldErrorf("类型", "应为 党支部、单位、县市区 或 系统，收到「%s」。", clip(c.Text("类型")))
	}
	if u.IsTop() && !c.Super {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "更改县市区或市直系统（「%s」）的类型需要系统管理员。", u.Path)
	}
	if !c.IsAdminOf(u) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能更改它的类型。", u.Path)
	}
	if u.Kind == kind {
		return nil, dangke.FieldErrorf("类型", "没有变化：「%s」已是%s。", u.Path, kind.Label())
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		before, err := tx.Figures(ctx, u.ID, dangke.Period{})
		if err != nil {
			return "", err
		}
		if err := tx.SetUnitKind(ctx, u.ID, kind); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("unit.kind", "unit", u.ID, fmt.Sprintf("%s %s → %s", u.Path, u.Kind.Label(), kind.Label()))); err != nil {
			return "", err
		}
		text := fmt.Sprintf("已将「%s」的类型由%s改为%s。", u.Path, u.Kind.Label(), kind.Label())
		switch {
		case kind == dangke.KindBranch:
			text += "此后周报的“尚未开展”和截止提醒会列出它"
			if u.Members == 0 {
				text += fmt.Sprintf("；它还没有党员数，请用 /单位 党员数 %s 人数 设置", u.Path)
			}
			text += "。"
		case u.Kind == dangke.KindBranch:
			text += "此后周报的“尚未开展”和截止提醒不再列出它。"
		}
		after, err := tx.Figures(ctx, u.ID, dangke.Period{})
		if err != nil {
			return "", err
		}
		if line := changeLines(map[int64]string{u.ID: u.Path}, []int64{u.ID},
			map[int64]dangke.Figures{u.ID: before}, map[int64]dangke.Figures{u.ID: after}); line != "" {
			text += "\n" + line
		}
		return text, nil
	})
}
