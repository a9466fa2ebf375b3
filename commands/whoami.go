package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

func whoamiCommand() *Command {
	return &Command{
		Names:   []string{"我", "我是谁"},
		English: []string{"whoami", "me"},
		Summary: "查看自己的用户ID、角色和本群绑定的单位",
		Example: "/我",
		Perm:    Anyone,
		Run: func(_ context.Context, c *Call) (*dangke.Reply, error) {
			var b strings.Builder
			fmt.Fprintf(&b, "你的用户ID：%s", c.Req.From.Key())
			switch {
			case c.Super:
				b.WriteString("（系统管理员）")
			case len(c.Roles) > 0:
				paths := make([]string, len(c.Roles))
				for i, r := range c.Roles {
					paths[i] = r.UnitPath
				}
				b.WriteString("（管理员：" + strings.Join(paths, "、") + "）")
			}
			if c.Unit != nil {
				fmt.Fprintf(&b, "\n本群绑定的单位：%s", c.Unit.Path)
			} else {
				b.WriteString("\n本群尚未绑定单位。")
			}
			return &dangke.Reply{Text: b.String()}, nil
		},
	}
}
