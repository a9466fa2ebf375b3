package dingtalk_test

import (
	"strings"
	"testing"
	"time"

	"dangke/bot/dingtalk"
	"dangke/internal/testbot"
)

// A duplicate lecture in a group: the question lists its answers by number
// and says how to answer in a group; "@党课助手 1" (the mention removed by
// DingTalk) saves it; then a question for a missing choice field is
// answered by number too, as a reply quoting the bot's question.
func TestNumberedChoices(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	const lecture = " /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-1", "2", lecture))
	f.waitFor("the first reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	if strings.Contains(f.hooks[0].Text, "[1] 撤销") {
		t.Fatalf("the [撤销] button is listed as a number: %s", f.hooks[0].Text)
	}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-2", "2", lecture))
	f.waitFor("the question", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	q := f.hooks[1].Text
	if !strings.Contains(q, "可能重复") || !strings.Contains(q, "[1] 是，保存  [2] 不保存") || !strings.Contains(q, "请 @党课助手 回复序号，例：@党课助手 1") {
		t.Fatalf("question %q", q)
	}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-3", "2", " 1"))
	f.waitFor("the confirmation", 5*time.Second, func() bool { return len(f.hooks) == 3 })
	if !strings.Contains(f.hooks[2].Text, "已登记第 2 次微党课") {
		t.Fatalf("confirmation %q", f.hooks[2].Text)
	}
	if testbot.Lectures(t, st) != 2 {
		t.Fatal("the duplicate was not saved")
	}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-4", "2", " /宣讲员 李四"))
	f.waitFor("the gender question", 5*time.Second, func() bool { return len(f.hooks) == 4 })
	if !strings.Contains(f.hooks[3].Text, "[1] 男  [2] 女") {
		t.Fatalf("choice question %q", f.hooks[3].Text)
	}
	quoted := f.robotMessage("msg-5", "2", " 2")
	quoted["text"] = map[string]any{"content": " 2", "isReplyMsg": true,
		"repliedMsg": map[string]any{"msgType": "text", "senderId": "$:LWCP_v1:$bot", "content": map[string]string{"text": f.hooks[3].Text}}}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", quoted)
	f.waitFor("the next question", 5*time.Second, func() bool { return len(f.hooks) == 5 })
	if !strings.Contains(f.hooks[4].Text, "出生年月") {
		t.Fatalf("after the quoted answer %q", f.hooks[4].Text)
	}
}

// Responsible people named by @-mentioning them in the bound group: the
// staff ids DingTalk sends with the message, not the names in the text.
func TestContactsByMention(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	m := f.robotMessage("msg-1", "2", " /单位 负责人 温县/城关镇/第一党支部 @李四 @王五")
	m["atUsers"] = []map[string]string{{"dingtalkId": "$:LWCP_v1:$bot"}, {"dingtalkId": "$:LWCP_v1:$li", "staffId": "lisi"}, {"dingtalkId": "$:LWCP_v1:$wang", "staffId": "wangwu"}}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", m)
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	if !strings.Contains(f.hooks[0].Text, "负责人：dingtalk:lisi、dingtalk:wangwu。") {
		t.Fatalf("reply %q", f.hooks[0].Text)
	}
}
