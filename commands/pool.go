package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

func poolCommand() *Command {
	return &Command{
		Names:   []string{"师资库"},
		English: []string{"pool"},
		Summary: "查看县市区宣讲员师资库（群聊中隐藏手机号和出生月份）",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Positional: true, Example: "温县", Hint: "默认为本群所属县市区"},
		},
		Example: "/师资库 温县",
		Perm:    Member,
		Verb:    "查看「%s」的师资库",
		Run:     runPool,
	}
}

func runPool(ctx context.Context, c *Call) (*dangke.Reply, error) {
	unit, err := c.TargetUnit(ctx, "单位")
	if err != nil {
		return nil, err
	}
	county, err := c.Store().UnitByID(ctx, unit.TopID)
	if err != nil {
		return nil, err
	}
	if county.Kind != dangke.KindCounty {
		return nil, dangke.FieldErrorf("单位", "「%s」不属于任何县市区；师资库按县市区建立。", unit.Path)
	}
	if !c.IsAdminOf(county) && !c.Req.Chat.Group {
		// A 1:1 chat shows full phone numbers: only the county's own people.
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "只有%s的管理员可以在单聊中查看完整师资库。", county.Name)
	}
	list, err := c.Store().Instructors(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(poolProgress(county, len(list)) + "。")
	for _, in := range list {
		fmt.Fprintf(&b, "\n#%d %s", in.ID, instructorLine(c, &in))
	}
	if len(list) == 0 {
		b.WriteString("\n登记：" + instructorCommand().Example)
	}
	return &dangke.Reply{Text: b.String()}, nil
}
