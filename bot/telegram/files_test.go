package telegram_test

import (
	"strings"
	"testing"

	"dangke/bot/telegram"
	"dangke/internal/testbot"
)

// A photo replying to the bot's confirmation, and a document whose caption
// is /photo #1, are located with getFile, downloaded from the file link
// and kept with the lecture: on disk and in the archive. A photo in a
// group that neither replies to the bot nor carries a command is not the
// bot's (privacy mode would not even deliver it).
func TestPictureAttached(t *testing.T) {
	r, st, m := testbot.MediaRouter(t, "telegram", "-1001234567890", "777")
	f, _ := start(t, r, telegram.Config{})
	photo, scan := testbot.Photo(t, 1), testbot.Photo(t, 2)
	f.blobs["ph-big"], f.blobs["doc-1"] = photo, scan
	f.push("message", message(1, group, "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	confirm := f.waitSent(1)[0]
	if !strings.Contains(confirm.Text, "编号 #1") {
		t.Fatalf("confirmation %q", confirm.Text)
	}
	bot := map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手", "username": "DangkeBot"}
	reply := message(2, group, "")
	reply["date"] = 1562727600 + 3600 // an hour later: only the quoted confirmation names the lecture
	reply["photo"] = []map[string]any{
		{"file_id": "ph-small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 900},
		{"file_id": "ph-big", "file_unique_id": "b", "width": 96, "height": 64, "file_size": len(photo)}}
	reply["reply_to_message"] = map[string]any{"message_id": 5001, "from": bot, "chat": group, "date": 1562727600, "text": confirm.Text}
	f.push("message", reply)
	if got := f.waitSent(2)[1].Text; !strings.Contains(got, "已添加 1 张照片到 #1 张三《我和我的祖国》") {
		t.Fatalf("reply %q", got)
	}
	testbot.Kept(t, st, m, 1, photo)

	doc := message(3, group, "")
	doc["date"] = 1562727600 + 3600
	doc["document"] = map[string]any{"file_id": "doc-1", "file_unique_id": "d", "file_name": "签到表.jpg", "mime_type": "image/jpeg", "file_size": len(scan)}
	doc["caption"] = "/photo@DangkeBot #1"
	f.push("message", doc)
	if got := f.waitSent(3)[2].Text; !strings.Contains(got, "签到表.jpg") || !strings.Contains(got, "本条共有 2 个附件") {
		t.Fatalf("reply %q", got)
	}
	if row := testbot.Kept(t, st, m, 1, scan); row.Name != "签到表.jpg" {
		t.Fatalf("name %q", row.Name)
	}

	stray := message(4, group, "")
	stray["photo"] = []map[string]any{{"file_id": "ph-big", "file_unique_id": "b", "width": 96, "height": 64}}
	f.push("message", stray)
	if n := len(f.quiet()); n != 3 {
		t.Fatalf("a stray photo was answered: %d messages", n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Join(f.fetched, ",") != "photos/ph-big,photos/doc-1" {
		t.Fatalf("downloads %q", f.fetched)
	}
}
