package wecom

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"dangke"
)

// merged ends a digest cut to one message to stay within the day's limit.
const merged = "\n……（今日向本群推送的消息已近上限，内容合并为一条并截短；完整内容请发送 /周报 查看）"

// daily counts the messages pushed unprompted to each conversation in a
// day (China time), against WeCom's per-conversation limit.
type daily struct {
	mu    sync.Mutex
	limit int // 0: no limit
	day   string
	sent  map[string]int
	merge int // digests merged into one message, since start
}

// plan returns the messages to push to chat now: reply as it is when it
// fits in what is left of the day, else its text merged into one message
// (cut to fit, files left out), or an error when nothing is left. It
// counts what it returns as sent.
func (d *daily) plan(chat string, reply *dangke.Reply, now time.Time, limit int) (*dangke.Reply, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limit <= 0 {
		return reply, nil
	}
	if day := now.In(time.FixedZone("CST", 8*3600)).Format(dangke.DateLayout); day != d.day || d.sent == nil {
		d.day, d.sent = day, map[string]int{}
	}
	left := d.limit - d.sent[chat]
	if left <= 0 {
		return nil, fmt.Errorf("wecom: notify %s: the day's %d unprompted messages to this chat are used up", chat, d.limit)
	}
	n := len(splitText(render(reply.Text), limit)) + len(reply.Files)
	if n <= left {
		d.sent[chat] += n
		return reply, nil
	}
	d.merge++
	text := reply.Text
	if max := limit - len(merged) - 16; len(render(text)) > max {
		text = cut(text, max) + merged
	}
	d.sent[chat]++
	return &dangke.Reply{Text: text}, nil
}

// cut returns the longest prefix of s, ending at a line end where it can,
// whose rendering fits in n bytes.
func cut(s string, n int) string {
	for len(render(s)) > n {
		i := strings.LastIndexByte(s[:len(s)-1], '\n')
		if i <= 0 {
			r := []rune(s)
			s = string(r[:len(r)*3/4])
			continue
		}
		s = s[:i]
	}
	return s
}

// Budget reports the day's unprompted messages per conversation and the
// digests merged to stay within them; see bot.Budgeter.
func (a *Adapter) Budget() string {
	d := &a.daily
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limit <= 0 {
		return ""
	}
	most := 0
	for _, n := range d.sent {
		most = max(most, n)
	}
	return fmt.Sprintf("每个会话每天最多主动推送 %d 条；今天单个会话最多已推 %d 条；已合并 %d 份周报", d.limit, most, d.merge)
}

// mentionText @-mentions people in WeCom markdown: <@userid> for each
// wecom:userid key.
func mentionText(keys []string) string {
	var parts []string
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, Platform+":"); ok && id != "" && !strings.ContainsAny(id, "<>") {
			parts = append(parts, "<@"+id+">")
		}
	}
	return strings.Join(parts, " ")
}

// withMentions appends the @-mentions to the last part of a rendered
// message (after rendering, which would defuse the <@userid> tags).
func withMentions(parts []string, keys []string) []string {
	if at := mentionText(keys); at != "" && len(parts) > 0 {
		parts[len(parts)-1] += "\n" + at
	}
	return parts
}
