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
			{Name: "新上级", Aliases: []string{"上级", "parent"}, Kind: KUnit, Required: true, Positional: true, Example: "温县/城关镇", Hint: "写 全市 则成为县市区或市直系统"},
			{Name: "类型", Aliases: []string{"kind"}, Kind: KText, Example: "县市区", Hint: "移到 全市 时：县市区 或 系统（名称看不出时必填）"}},
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
	kind, err := moveKind(c, u, parent)
	if err != nil {
		return nil, err
	}
	switch {
	case parent == nil:
		if !c.Super {
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "把单位移到最上级（成为县市区或市直系统）需要系统管理员。")
		}
	case parent.Kind == dangke.KindBranch && u.Kind == dangke.KindBranch:
		return nil, dangke.FieldErrorf("新上级", "「%s」是党支部，其下不能再有党支部「%s」。", parent.Path, u.Name)
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
	kindLine := ""
	if kind != u.Kind {
		kindLine = fmt.Sprintf("类型由%s改为%s。", u.Kind.Label(), kind.Label())
		intro += kindLine
	}
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
		if err := tx.SetUnitKind(ctx, u.ID, kind); err != nil {
			return "", "", err
		}
		after, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		if err := tx.Audit(ctx, c.Audit("unit.move", "unit", u.ID, u.Path+" → "+newPath+"（"+kind.Label()+"）")); err != nil {
			return "", "", err
		}
		text := fmt.Sprintf("已将「%s」移到「%s」之下，现为「%s」。%s", u.Path, parentName, newPath, kindLine)
		return text, changeLines(names, order, before, after), nil
	})
}

// moveKind decides a moved unit's kind: to the top, a county or a system,
// as 类型= says or the name does (…县, …市, …区; …局, …工委) — a branch
// or a unit whose name says neither is refused, never turned into a
// 县市区 silently; from the top to below a unit, the kind its name says or
// an ordinary unit (/单位 类型 changes it); otherwise its own.
func moveKind(c *Call, u, parent *dangke.Unit) (dangke.UnitKind, error) {
	given := dangke.UnitKind("")
	if w := c.Text("类型"); w != "" {
		k, ok := dangke.ParseUnitKind(w)
		if !ok {
			return "", dangke.FieldErrorf("类型", "应为 县市区、系统、单位 或 党支部，收到「%s」。", clip(w))
		}
		given = k
	}
	top := given == dangke.KindCounty || given == dangke.KindSystem
	switch {
	case parent == nil && given != "" && !top:
		return "", dangke.FieldErrorf("类型", "移到全市之下的单位是县市区或市直系统，收到「%s」。", given.Label())
	case parent == nil && given != "":
		return given, nil
	case parent == nil && u.IsTop():
		return u.Kind, nil
	case parent == nil && u.Kind == dangke.KindBranch:
		return "", dangke.Errorf(dangke.EINVALID, "「%s」是党支部，移到全市之下就成了县市区或市直系统；确是如此请写明类型：/单位 移动 %s 全市 类型=县市区（或 类型=系统）。",
			u.Path, u.Path)
	case parent == nil:
		if k := topKindFromName(u.Name); k != "" {
			return k, nil
		}
		return "", dangke.Errorf(dangke.EINVALID, "「%s」移到全市之下将成为县市区或市直系统，名称看不出是哪种，请写明类型：/单位 移动 %s 全市 类型=县市区（或 类型=系统）。", u.Name, u.Path)
	case top:
		return "", dangke.FieldErrorf("类型", "县市区和市直系统在最上级；移到「%s」之下的是 单位 或 党支部。", parent.Path)
	case given != "":
		return given, nil
	case u.IsTop():
		// Back below a unit: the kind its name says (东街村 is a branch
		// again), else a unit.
		if k, ok := dangke.KindFromName(u.Name); ok && !(k == dangke.KindBranch && parent.Kind == dangke.KindBranch) {
			return k, nil
		}
		return dangke.KindOrg, nil
	}
	return u.Kind, nil
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
