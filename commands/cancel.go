package commands

import (
	"context"

	"dangke"
)

// cancelled starts the reply of /取消 that dropped a conversation.
const cancelled = "已取消"

func cancelCommand() *Command {
	return &Command{
		Names:   []string{"取消"},
		English: []string{"cancel"},
		Summary: "放弃正在填写或等待回答的命令",
		Example: "/取消",
		Perm:    Anyone,
		Run: func(_ context.Context, c *Call) (*dangke.Reply, error) {
			if c.abandoned {
				return &dangke.Reply{Text: cancelled + "，未保存任何内容。"}, nil
			}
			return &dangke.Reply{Text: "当前没有正在填写或等待回答的命令。"}, nil
		},
	}
}
