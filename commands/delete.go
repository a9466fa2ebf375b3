package commands

import (
	"context"
	"strconv"
	"strings"

	"dangke"
)

func deleteCommand() *Command {
	return &Command{
		Names:   []string{"删除"},
		English: []string{"delete"},
		Summary: "管理员按编号删除一条党课或宣讲员记录（留有审计）",
		Fields: []Field{
			{Name: "编号", Aliases: []string{"id"}, Kind: KText, Required: true, Positional: true, Example: "12"},
			{Name: "类别", Aliases: []string{"kind"}, Kind: KChoice, Choices: []string{"党课", "宣讲员"}, Positional: true, Example: "宣讲员", Hint: "默认为党课"},
		},
		Example: "/删除 12",
		Perm:    Admin,
		Run:     runDelete,
	}
}

func runDelete(ctx context.Context, c *Call) (*dangke.Reply, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(c.Text("编号"), "#"), 10, 64)
	if err != nil || id <= 0 {
		return nil, dangke.FieldErrorf("编号", "应为 /记录 里 # 后面的数字，收到「%s」。", clip(c.Text("编号")))
	}
	kind := dangke.EntryLecture
	var unitID int64
	if c.Text("类别") == "宣讲员" {
		kind = dangke.EntryInstructor
		in, err := c.Store().Instructor(ctx, id)
		if err != nil {
			return nil, err
		}
		unitID = in.UnitID
	} else {
		l, err := c.Store().Lecture(ctx, id)
		if err != nil {
			return nil, err
		}
		unitID = l.UnitID
	}
	u, err := c.Store().UnitByID(ctx, unitID)
	if err != nil {
		return nil, err
	}
	if !c.IsAdminOf(u) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 属于「%s」，你不是该单位的管理员，不能删除。", id, u.Path)
	}
	return withdraw(ctx, c, kind, id, "已删除")
}
