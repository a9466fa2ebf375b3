package commands

import (
	"context"
	"fmt"

	"dangke"
)

// unitMoveCommand is /单位 移动: a unit and its subtree go under another
// parent, across reporting units too; the figures of both sides change.
func unitMoveCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"移动", "move"},
		Summary: "把单位（含下级和记录）移到另一个上级之下",
		Fields: []Field{pathField(true),
			{Name: "新上级", Aliases: []string{"上级", "parent"}, Kind: KUnit, Required: true, Positional: true, Example: "温县/城关镇", Hint: "写 全市 则成为县市区或市直系统"}},
		Example: "/单位 移动 孟州市/城关镇 温县",
		Perm:    Admin,
		Run:     runUnitMove,
	}
}

func runUnitMove(ctx context.Context, c *Call) (*dangke.Reply, error) {
	u, err := c.ResolveUnit(ctx, c.Text("路径"))
	if err != nil {
		return nil, err
	}
	var parent *dangke.Unit
	if p := c.Text("新上级"); p != dangke.CityName {
		if parent, err = c.ResolveUnit(ctx, p); err != nil {
			return nil, err
		}
	}
	if err := c.mayReshape(u, "移动"); err != nil {
		return nil, err
	}
	newPath, parentID, parentName := u.Name, int64(0), dangke.CityName
	switch {
	case parent == nil:
		if !c.Super {
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "把单位移到最上级（成为县市区或市直系统）需要系统管理员。")
		}
	case u.Contains(parent):
		return nil, dangke.FieldErrorf("新上级", "「%s」是「%s」自己或它的下级，不能移到那里。", parent.Path, u.Path)
	case !c.IsAdminOf(parent):
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能把单位移到它之下。", parent.Path)
	default:
		newPath, parentID, parentName = parent.Path+"/"+u.Name, parent.ID, parent.Path
	}
	if parentID == u.ParentID {
		return nil, dangke.FieldErrorf("新上级", "没有变化：「%s」已在「%s」之下。", u.Path, parentName)
	}
	refs, err := c.Store().UnitRefs(ctx, u.ID, true)
	if err != nil {
		return nil, err
	}
	intro := fmt.Sprintf("将把「%s」移到「%s」之下，成为「%s」：%s一起移动。", u.Path, parentName, newPath, carried(refs))
	return reshape(ctx, c, "移动", refs, intro, func(tx dangke.Tx) (string, string, error) {
		// The figures that change: every level above the old place and
		// above the new one, and the city (a person's names may meet there).
		names, order, err := levels(ctx, tx, u.ParentID, parentID)
		if err != nil {
			return "", "", err
		}
		before, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		if err := tx.MoveUnit(ctx, u.ID, parentID); err != nil {
			return "", "", err
		}
		after, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		if err := tx.Audit(ctx, c.Audit("unit.move", "unit", u.ID, u.Path+" → "+newPath)); err != nil {
			return "", "", err
		}
		text := fmt.Sprintf("已将「%s」移到「%s」之下，现为「%s」。", u.Path, parentName, newPath)
		return text, changeLines(names, order, before, after), nil
	})
}

// cityLevel stands for the city in change lines (unitNames, figuresOf):
// 0 there means no unit.
const cityLevel = -1

// levels returns, for change lines, each unit from each of units up to
// its reporting unit (0: none), then the city, without repeats.
func levels(ctx context.Context, tx dangke.Tx, units ...int64) (map[int64]string, []int64, error) {
	var ids []int64
	for _, id := range units {
		for id != 0 {
			u, err := tx.UnitByID(ctx, id)
			if dangke.ErrorCode(err) == dangke.ENOTFOUND {
				break
			}
			if err != nil {
				return nil, nil, err
			}
			ids = append(ids, id)
			id = u.ParentID
		}
	}
	return unitNames(ctx, tx, append(ids, cityLevel)...)
}

// unitNames reads the names of units by id for change lines, skipping 0,
// the units that do not exist, and repeats; it returns them in order.
// cityLevel is the city.
func unitNames(ctx context.Context, tx dangke.Tx, ids ...int64) (map[int64]string, []int64, error) {
	names := map[int64]string{}
	var order []int64
	for _, id := range ids {
		if _, ok := names[id]; ok || id == 0 {
			continue
		}
		if id == cityLevel {
			names[id] = dangke.CityName
			order = append(order, id)
			continue
		}
		u, err := tx.UnitByID(ctx, id)
		if dangke.ErrorCode(err) == dangke.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		names[id] = u.Path
		order = append(order, id)
	}
	return names, order, nil
}
