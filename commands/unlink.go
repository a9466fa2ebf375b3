package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// unlinkCommand is /不是同一人: puts right a wrong 是 to "the same person?",
// which /党课 asks when a name has lectured in another unit. The name is
// taken out of the person it was linked to and the pair is remembered as
// two people (not asked again), after the sender confirms the figures it
// moves.
//
// Who may: whoever may log a lecture for the unit (members of a chat bound
// to it or above it, and its admins), because that is who made the link:
// a member's 是 joined the names, so a member can undo a wrong one without
// waiting for an admin, while the stamped figures stay wrong. The change
// is audited, shows which figures move and needs 是, as the link did.
func unlinkCommand() *Command {
	return &Command{
		Names:   []string{"不是同一人", "解除同一人"},
		English: []string{"unlink"},
		Summary: "把记为同一人的讲课人分开（更正“是同一个人吗”答错的“是”）",
		Fields: []Field{
			{Name: "讲课人", Label: "讲课人姓名", Aliases: []string{"姓名", "name"}, Kind: KName, Required: true, Positional: true, Example: "张三"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Example: "温县", Hint: "默认为本群绑定的单位"},
		},
		Example: "/不是同一人 张三 单位=温县",
		Perm:    Member,
		Run:     runUnlink,
	}
}

func runUnlink(ctx context.Context, c *Call) (*dangke.Reply, error) {
	unit, err := c.TargetUnit(ctx, "单位")
	if err != nil {
		return nil, err
	}
	name := c.Text("讲课人")
	me := dangke.SpeakerRef{UnitID: unit.ID, Name: name, UnitPath: unit.Path}
	others, err := c.Store().LinkedSpeakers(ctx, unit.ID, name)
	if err != nil {
		return nil, err
	}
	if len(others) == 0 {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "「%s」的讲课人%s没有与其他单位的讲课人记为同一人，无需分开。", unit.Path, name)
	}
	// The figures that move: those of the units holding both names (the
	// lowest common one of each pair, and the reporting unit).
	names := map[int64]string{}
	var order []int64
	for _, o := range others {
		common, err := commonUnit(ctx, c.Store(), unit.Path, o.UnitPath)
		if err != nil {
			return nil, err
		}
		if common != nil && names[common.ID] == "" {
			names[common.ID] = common.Name
			order = append(order, common.ID)
		}
	}
	if top, err := c.Store().UnitByID(ctx, unit.TopID); err == nil && names[top.ID] == "" {
		names[top.ID] = top.Name
		order = append(order, top.ID)
	}
	paths := make([]string, len(others))
	for i, o := range others {
		paths[i] = o.UnitPath + "」的" + o.Name
	}
	pair := fmt.Sprintf("「%s」的%s与「%s", unit.Path, name, strings.Join(paths, "、「"))
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		before, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", err
		}
		if _, err := tx.UnlinkSpeaker(ctx, me, true); err != nil {
			return "", err
		}
		after, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", err
		}
		change := changeLines(names, order, before, after)
		if change == "" {
			change = "统计数字不变（其中一方已没有党课）。"
		}
		if yes, _ := c.Answer("分开"); !yes {
			// Asked from inside the change, so that the figures are exact;
			// the question rolls it back.
			return "", Ask("分开", pair+"将不再记为同一人（此后也不再询问）：\n"+change+"\n确认分开吗？")
		}
		if err := tx.Audit(ctx, c.Audit("speaker.unlink", "speaker", unit.ID, pair+" 不是同一人")); err != nil {
			return "", err
		}
		return pair + "已分开，记为两个人 ✅\n" + change, nil
	})
}

// commonUnit is the lowest unit above (or at) both paths, nil if none.
func commonUnit(ctx context.Context, r dangke.Reader, a, b string) (*dangke.Unit, error) {
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(pa) && n < len(pb) && pa[n] == pb[n] {
		n++
	}
	if n == 0 {
		return nil, nil
	}
	return r.UnitByPath(ctx, strings.Join(pa[:n], "/"))
}
