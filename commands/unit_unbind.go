package commands

import (
	"context"

	"dangke"
)

// unitUnbindCommand is /单位 解绑: the chat is no longer a unit's (or the
// city's) work group.
func unitUnbindCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"解绑", "unbind"},
		Summary: "解除本群与单位的绑定",
		Example: "/单位 解绑",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			bound := dangke.CityName
			switch {
			case c.Unit != nil:
				if !c.IsAdminOf(c.Unit) {
					return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群绑定的是「%s」，你不是该单位的管理员，不能解绑。", c.Unit.Path)
				}
				bound = c.Unit.Path
			case c.CityChat:
				if !c.Super {
					return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群绑定的是全市，解绑需要系统管理员。")
				}
			default:
				return nil, dangke.Errorf(dangke.ENOTFOUND, "本群没有绑定任何单位，无需解绑。")
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.UnbindChat(ctx, c.Req.Chat); err != nil {
					return "", err
				}
				var id int64
				if c.Unit != nil {
					id = c.Unit.ID
				}
				if err := tx.Audit(ctx, c.Audit("chat.unbind", "unit", id, c.Req.Chat.Key()+" ✕ "+bound)); err != nil {
					return "", err
				}
				return "本群已解除与「" + bound + "」的绑定：此后不能在本群登记，也不再收到该单位的周报。重新绑定：/单位 绑定 路径。", nil
			})
		},
	}
}
