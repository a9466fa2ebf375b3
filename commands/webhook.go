package commands

import (
	"context"
	"regexp"

	"dangke"
)

// webhookKey is what a WeCom group robot key looks like: 693a91f6-7xxx-….
var webhookKey = regexp.MustCompile(`^[A-Za-z0-9-]{16,64}$`)

// webhookCommand is /群机器人: an admin stores the group robot (webhook) key
// of a bound WeCom group, for digests and files where the robot's long
// connection cannot send. The key is a secret: never shown back.
func webhookCommand() *Command {
	return &Command{
		Names:   []string{"群机器人"},
		English: []string{"webhook"},
		Summary: "管理员为本群保存企业微信群机器人 webhook key（用于周报和文件；保存后不再显示）",
		Fields: []Field{{Name: "key", Aliases: []string{"KEY", "密钥"}, Kind: KText, Required: true, Positional: true,
			Example: "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", Hint: "群机器人地址中 key= 后面的部分；写 清除 可删除"}},
		Example: "/群机器人 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			if !c.Req.Chat.Group {
				return nil, dangke.Errorf(dangke.EINVALID, "请在要接收消息的群里发送 /群机器人。")
			}
			switch {
			case c.Unit != nil && !c.IsAdminOf(c.Unit):
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能设置本群的群机器人。", c.Unit.Path)
			case c.Unit == nil && !c.Super:
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群尚未绑定单位，请先发送 /单位 绑定 路径。")
			}
			key := c.Text("key")
			if key == "清除" || key == "clear" {
				key = ""
			} else if !webhookKey.MatchString(key) {
				return nil, dangke.FieldErrorf("key", "格式不对：应为群机器人地址中 key= 后面的一串字母、数字和短横线。")
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetChatWebhook(ctx, c.Req.Chat, key); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("chat.webhook", "chat", 0, c.Req.Chat.Key())); err != nil {
					return "", err
				}
				if key == "" {
					return "已清除本群的群机器人 webhook。", nil
				}
				return "已保存本群的群机器人 webhook（出于安全不再显示）。周报和文件将通过它发送。建议撤回刚才含 key 的消息。", nil
			})
		},
	}
}
