package commands

import (
	"context"
	"fmt"

	"dangke"
)

// unitDeleteCommand is /单位 删除: a unit created by mistake goes, when
// nothing refers to it.
func unitDeleteCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"删除", "delete", "remove"},
		Summary: "删除一个没有任何记录的单位（有记录的请用合并）",
		Fields:  []Field{pathField(true)},
		Example: "/单位 删除 温县/城关真",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			if err := c.mayReshape(u, "删除"); err != nil {
				return nil, err
			}
			refs, err := c.Store().UnitRefs(ctx, u.ID, false)
			if err != nil {
				return nil, err
			}
			if refs.Referenced() {
				return nil, dangke.Errorf(dangke.ECONFLICT, "「%s」还有%s，不能删除；要把它的记录转到另一个单位，请用 /单位 合并 %s 到 另一单位。", u.Path, refs.Describe(), u.Path)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.DeleteUnit(ctx, u.ID); err != nil {
					return "", err
				}
				detail := fmt.Sprintf("%s（#%d，%s，党员 %d）", u.Path, u.ID, u.Kind.Label(), u.Members)
				if err := tx.Audit(ctx, c.Audit("unit.remove", "unit", u.ID, detail)); err != nil {
					return "", err
				}
				return fmt.Sprintf("已删除单位「%s」。", u.Path), nil
			})
		},
	}
}
