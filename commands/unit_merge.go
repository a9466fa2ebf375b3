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
			{Name: "目标", Aliases: []string{"target"}, Kind: KUnit, Positional: true, Example: "温县/城关镇/第一党支部", Hint: "并入的单位，保留"},
			{Name: "去重", Aliases: []string{"dedup"}, Kind: KBool, Example: "是", Hint: "合并后可能重复的记录：是 撤回并入的那条，否 都保留（不写则先问）"}},
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
	// refs counts from itself among the units of its subtree: what moves
	// is the units below it.
	moved := refs
	moved.Units--
	dups, err := mergeDuplicates(ctx, c.Store(), from, into)
	if err != nil {
		return nil, err
	}
	dedup, answered := c.Answer("去重")
	if len(dups) > 0 && !answered {
		var lines []string
		for _, d := range dups {
			lines = append(lines, entryLine(c, &d.from)+" 与 "+entryLine(c, &d.into))
		}
		return nil, AskChoice("去重", fmt.Sprintf("合并后这些记录可能重复（同一讲课人同一天，或同一题目 3 天内）：\n%s\n"+
			"要撤回「%s」的这 %d 条吗？是：撤回，只留「%s」的一条（审计中留有记录）；否：都保留，算作不同的讲课。",
			strings.Join(lines, "\n"), from.Name, len(dups), into.Name))
	}
	if !dedup {
		dups = nil
	}
	shared, err := c.Store().SharedNames(ctx, from.ID, into.ID)
	if err != nil {
		return nil, err
	}
	intro := fmt.Sprintf("将把「%s」并入「%s」：%s转入，党员数 %d 加到「%s」。合并后「%s」不再存在（审计中留有记录）。",
		from.Path, into.Path, moved.Describe(), from.Members, into.Name, from.Path)
	if p := sharedLine(shared); p != "" {
		intro += "\n" + p
	}
	if len(dups) > 0 {
		var ids []string
		for _, d := range dups {
			ids = append(ids, fmt.Sprintf("#%d", d.from.ID))
		}
		intro += fmt.Sprintf("\n撤回重复的 %s（与「%s」的记录重复）。", strings.Join(ids, "、"), into.Name)
	}
	return reshape(ctx, c, "合并", refs, intro, func(tx dangke.Tx) (string, string, error) {
		// Every level above from and from into's up, and the city.
		names, order, err := levels(ctx, tx, into.ID, from.ParentID)
		if err != nil {
			return "", "", err
		}
		before, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		for _, d := range dups {
			if err := tx.WithdrawLecture(ctx, d.from.ID, c.Req.From.Key(), c.Now); err != nil {
				return "", "", err
			}
			detail := fmt.Sprintf("合并「%s」到「%s」时撤回：与 #%d 重复", from.Path, into.Path, d.into.ID)
			if err := tx.Audit(ctx, c.Audit("lecture.withdraw", "lecture", d.from.ID, detail)); err != nil {
				return "", "", err
			}
		}
		if err := tx.MergeUnits(ctx, from.ID, into.ID); err != nil {
			return "", "", err
		}
		after, err := figuresOf(ctx, tx, order...)
		if err != nil {
			return "", "", err
		}
		detail := fmt.Sprintf("%s（#%d，%s，党员 %d；%s）→ %s", from.Path, from.ID, from.Kind.Label(), from.Members, moved.Describe(), into.Path)
		if p := sharedLine(shared); p != "" {
			detail += "。" + p // the renamed lecturers, with their old names
		}
		if err := tx.Audit(ctx, c.Audit("unit.merge", "unit", from.ID, detail)); err != nil {
			return "", "", err
		}
		text := fmt.Sprintf("已将「%s」并入「%s」。", from.Path, into.Path)
		if p := sharedLine(shared); p != "" {
			text += "\n" + p
		}
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

// dupPair is a lecture of the unit merged away (from) that the duplicate
// rule of /党课 would catch against one of the unit it goes into.
type dupPair struct{ from, into dangke.Lecture }

// mergeDuplicates finds the active lectures of from itself (its units below
// keep theirs) that would be duplicates in into: the same lecturer on the
// same day, or with the same title within dangke.DuplicateDays
// (Lecture.IsDuplicateOf), each through the lectures_speaker index.
func mergeDuplicates(ctx context.Context, st dangke.Reader, from, into *dangke.Unit) ([]dupPair, error) {
	// Streamed: a reporting unit merged away holds its subtree's lectures
	// below it, which keep their units; only its own are kept here.
	var own []dangke.Lecture
	err := st.EachLectureIn(ctx, from.ID, dangke.Period{}, func(l dangke.Lecture) error {
		if l.UnitID == from.ID {
			own = append(own, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []dupPair
	for _, l := range own {
		moved := l
		moved.UnitID = into.ID
		near, err := st.SimilarLectures(ctx, into.ID, l.Speaker, l.Date.AddDate(0, 0, -dangke.DuplicateDays), l.Date.AddDate(0, 0, dangke.DuplicateDays))
		if err != nil {
			return nil, err
		}
		for i := range near {
			if moved.IsDuplicateOf(&near[i]) {
				out = append(out, dupPair{from: l, into: near[i]})
				break
			}
		}
	}
	return out, nil
}

// sharedLine says what a merge makes of the lecturers' names both units
// hold: confirmed one person, confirmed two (renamed so they stay two),
// never asked (one lecturer from now on).
func sharedLine(names []dangke.SharedName) string {
	var same, two, one []string
	for _, n := range names {
		switch {
		case n.Same:
			same = append(same, n.Name)
		case n.Distinct:
			two = append(two, fmt.Sprintf("%s（并入的记作「%s」）", n.Name, n.NewName))
		default:
			one = append(one, n.Name)
		}
	}
	var parts []string
	if len(same) > 0 {
		parts = append(parts, "已确认是同一人，仍算一人："+strings.Join(same, "、"))
	}
	if len(two) > 0 {
		parts = append(parts, "已确认不是同一人，仍算两人："+strings.Join(two, "、"))
	}
	if len(one) > 0 {
		parts = append(parts, "未确认过，合并后同一单位同名算作一人："+strings.Join(one, "、"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "两单位都有的讲课人——" + strings.Join(parts, "；") + "。"
}
