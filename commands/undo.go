package commands

import (
	"context"
	"fmt"

	"dangke"
)

func undoCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"撤销", "撤回"},
		English: []string{"undo"},
		Summary: "撤回自己最近登记的一条（党课或宣讲员）",
		Example: "/撤销",
		Perm:    Anyone,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			e, err := c.Store().LastEntry(ctx, c.Req.From.Key())
			if err != nil {
				return nil, err
			}
			if e == nil {
				return nil, dangke.Errorf(dangke.ENOTFOUND, "你还没有可以撤销的登记。")
			}
			if c.Now.Sub(e.At) > r.cfg.UndoWindow {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你最近一条登记（#%d，%s）已超过 %s，不能自行撤销；请联系管理员用 /删除 %d。",
					e.ID, e.At.In(c.Now.Location()).Format("01-02 15:04"), window(r.cfg.UndoWindow), e.ID)
			}
			return withdraw(ctx, c, e.Kind, e.ID, "已撤销")
		},
	}
}

// withdraw withdraws an entry with its audit row and describes what went.
func withdraw(ctx context.Context, c *Call, kind string, id int64, verb string) (*dangke.Reply, error) {
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		var what string
		switch kind {
		case dangke.EntryLecture:
			l, err := tx.Lecture(ctx, id)
			if err != nil {
				return "", err
			}
			if err := tx.WithdrawLecture(ctx, id, c.Req.From.Key(), c.Now); err != nil {
				return "", err
			}
			what = fmt.Sprintf("微党课 #%d：%s《%s》%s", id, l.Speaker, l.Title, l.Date.Format(dangke.DateLayout))
		default:
			in, err := tx.Instructor(ctx, id)
			if err != nil {
				return "", err
			}
			if err := tx.WithdrawInstructor(ctx, id, c.Req.From.Key(), c.Now); err != nil {
				return "", err
			}
			what = fmt.Sprintf("宣讲员 #%d：%s", id, in.Name)
		}
		if err := tx.Audit(ctx, c.Audit(kind+".withdraw", kind, id, what)); err != nil {
			return "", err
		}
		return verb + what + "。", nil
	})
}

func window(d interface{ Hours() float64 }) string {
	if h := d.Hours(); h >= 1 {
		return fmt.Sprintf("%g 小时", h)
	}
	return fmt.Sprintf("%g 分钟", d.Hours()*60)
}
