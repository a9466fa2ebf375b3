package commands

import (
	"context"
	"strconv"
	"strings"

	"dangke"
)

// lectureNumberField is a lecture's number as /记录 shows it: #12.
func lectureNumberField(example string) Field {
	return Field{Name: "编号", Aliases: []string{"id"}, Kind: KText, Required: true, Positional: true, Example: example, Hint: "/记录 里 # 后面的数字"}
}

// namedLecture reads the lecture the 编号 field names and its unit.
func namedLecture(ctx context.Context, c *Call) (*dangke.Lecture, *dangke.Unit, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(fold(c.Text("编号")), "#"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, dangke.FieldErrorf("编号", "应为 /记录 里 # 后面的数字，收到「%s」。", clip(c.Text("编号")))
	}
	l, err := c.Store().Lecture(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	u, err := c.Store().UnitByID(ctx, l.UnitID)
	if err != nil {
		return nil, nil, err
	}
	return l, u, nil
}
