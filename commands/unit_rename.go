package commands

import (
	"context"
	"fmt"

	"dangke"
)

// unitRenameCommand is /单位 改名: a unit gets a new name; its subtree's
// paths follow, its entries and figures stay.
func unitRenameCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"改名", "rename"},
		Summary: "给单位改名（下级单位随之改路径，数字不变）",
		Fields: []Field{pathField(true),
			{Name: "新名", Aliases: []string{"名称", "name"}, Kind: KText, Required: true, Positional: true, Example: "城关镇", Hint: "只写新名称，不含上级"}},
		Example: "/单位 改名 温县/城关真 城关镇",
		Perm:    Admin,
		Run:     runUnitRename,
	}
}

func runUnitRename(ctx context.Context, c *Call) (*dangke.Reply, error) {
	u, err := c.ResolveUnit(ctx, c.Text("路径"))
	if err != nil {
		return nil, err
	}
	names, err := dangke.ParsePath(c.Text("新名"))
	if err != nil {
		return nil, err
	}
	if len(names) != 1 {
		return nil, dangke.FieldErrorf("新名", "只写一级名称，不含 /；要换上级请用 /单位 移动 %s 新上级。", u.Path)
	}
	name := names[0]
	if name == u.Name {
		return nil, dangke.FieldErrorf("新名", "与原名相同：「%s」已叫这个名字。", u.Path)
	}
	if err := c.mayReshape(u, "改名"); err != nil {
		return nil, err
	}
	refs, err := c.Store().UnitRefs(ctx, u.ID, true)
	if err != nil {
		return nil, err
	}
	newPath := name
	if i := len(u.Path) - len(u.Name); i > 0 {
		newPath = u.Path[:i] + name
	}
	intro := fmt.Sprintf("将把「%s」改名为「%s」：%s随之改用新路径，统计数字不变。", u.Path, newPath, carried(refs))
	return reshape(ctx, c, "改名", refs, intro, func(tx dangke.Tx) (string, string, error) {
		if err := tx.RenameUnit(ctx, u.ID, name); err != nil {
			return "", "", err
		}
		if err := tx.Audit(ctx, c.Audit("unit.rename", "unit", u.ID, u.Path+" → "+newPath)); err != nil {
			return "", "", err
		}
		text := fmt.Sprintf("已将「%s」改名为「%s」。", u.Path, newPath)
		if refs.Units > 1 {
			text += fmt.Sprintf("下级 %d 个单位的路径随之改变。", refs.Units-1)
		}
		return text, "", nil
	})
}

// carried describes what moves with a subtree: 其下 2 个单位、微党课 12 条、宣讲员 3 人.
func carried(r dangke.UnitRefs) string {
	sub := r
	sub.Units--
	if !sub.Referenced() {
		return "它"
	}
	return "它和" + sub.Describe()
}
