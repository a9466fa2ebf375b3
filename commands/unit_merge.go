package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// unitMergeCommand is /单位 合并: two units that are one (a typo, a
// reorganisation) become one; everything of the first moves to the second.
func unitMergeCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"合并", "merge"},
		Summary: "把一个单位并入另一个（记录、群、角色、下级一并转入，党员数相加）",
		Fields: []Field{pathField(true),
			{Name: "到", Aliases: []string{"into"}, Kind: KText, Positional: true, Example: "到", Hint: "可省略"},
			{Name: "目标", Aliases: []string{"target"}, Kind: KUnit, Positional: true, Example: "温县/城关镇/第一党支部", Hint: "并入的单位，保留"}},
		Example: "/单位 合并 温县/城关镇/第一支部 到 温县/城关镇/第一党支部",
		Perm:    Admin,
		Run:     runUnitMerge,
	}
}

func runUnitMerge(ctx context.Context, c *Call) (*dangke.Reply, error) {
	target := c.Text("目标")
	if w := c.Text("到"); target == "" && !isInto(w) {
		target = w // /单位 合并 A B
	}
	if target == "" {
		return nil, dangke.FieldErrorf("目标", "要写明：并入哪个单位。")
	}
	from, err := c.ResolveUnit(ctx, c.Text("路径"))
	if err != nil {
		return nil, err
	}
	into, err := c.ResolveUnit(ctx, target)
	if err != nil {
		return nil, err
	}
	if from.ID == into.ID {
		return nil, dangke.FieldErrorf("目标", "与要合并的单位相同（「%s」）。", from.Path)
	}
	if from.Contains(into) {
		return nil, dangke.FieldErrorf("目标", "「%s」是「%s」的下级，不能把上级并入下级。", into.Path, from.Path)
	}
	if err := c.mayReshape(from, "合并"); err != nil {
		return nil, err
	}
	if !c.IsAdminOf(into) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能把单位并入它。", into.Path)
	}
	refs, err := c.Store().UnitRefs(ctx, from.ID, true) // the units below move too, with their entries
	if err != nil {
		return nil, err
	}
	intro := fmt.Sprintf("将把「%s」并入「%s」：%s转入，党员数 %d 加到「%s」；同名讲课人算作一人。合并后「%s」不再存在（审计中留有记录）。",
		from.Path, into.Path, refs.Describe(), from.Members, into.Name, from.Path)
	return reshape(ctx, c, "合并", refs, intro, func(tx dangke.Tx) (string, string, error) {
		names, order, err := unitNames(ctx, tx, into.ID, from.TopID, into.TopID)
		if err != nil {
			return "", "", err
		}
		if from.IsTop() { // a reporting unit merged away has no line after
			order = remove(order, from.ID)
		}
		before, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		if err := tx.MergeUnits(ctx, from.ID, into.ID); err != nil {
			return "", "", err
		}
		after, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		detail := fmt.Sprintf("%s（#%d，%s，党员 %d；%s）→ %s", from.Path, from.ID, from.Kind.Label(), from.Members, refs.Describe(), into.Path)
		if err := tx.Audit(ctx, c.Audit("unit.merge", "unit", from.ID, detail)); err != nil {
			return "", "", err
		}
		text := fmt.Sprintf("已将「%s」并入「%s」。", from.Path, into.Path)
		return text, changeLines(names, order, before, after), nil
	})
}

func isInto(w string) bool {
	switch strings.ToLower(w) {
	case "到", "并入", "至", "into", "to", "->", "→":
		return true
	}
	return false
}

func remove(ids []int64, id int64) []int64 {
	out := ids[:0:0]
	for _, v := range ids {
		if v != id {
			out = append(out, v)
		}
	}
	return out
}
