package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// showLines prints the 示范宣讲 by venue and the lectures by form of a
// county's or the city's subtree (unit 0), as /统计 shows them; "" when
// there is no lecture in the period.
func showLines(ctx context.Context, c *Call, unit int64, p dangke.Period) (string, error) {
	s, err := c.Store().Shows(ctx, unit, p)
	if err != nil || s.Lectures == 0 {
		return "", err
	}
	return demoLine(s) + "\n" + formLine(s), nil
}

// demoLine says the 示范宣讲 by venue: 示范宣讲 3 次：机关 1、社区 2.
func demoLine(s dangke.Shows) string {
	if s.Demo == 0 {
		return "示范宣讲 0 次"
	}
	var parts []string
	for _, v := range dangke.Venues {
		if n := s.ByVenue[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, n))
		}
	}
	if n := s.ByVenue[""]; n > 0 {
		parts = append(parts, fmt.Sprintf("未填场所 %d", n))
	}
	return fmt.Sprintf("示范宣讲 %d 次：%s", s.Demo, strings.Join(parts, "、"))
}

// formLine says the lectures by form, the forms held: 党课形式：普通 5、情景 2.
func formLine(s dangke.Shows) string {
	parts := make([]string, 0, len(dangke.Forms))
	for _, f := range dangke.Forms {
		if n := s.ByForm[f]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", f, n))
		}
	}
	return "党课形式：" + strings.Join(parts, "、")
}
