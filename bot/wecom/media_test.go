package wecom_test

import (
	"strings"
	"testing"
	"time"

	"dangke/internal/testbot"
)

// Pictures and files sent to the AI bot — an image message, a mixed
// message of text and a picture, a file — are downloaded from their url,
// decrypted with their aeskey and kept with the sender's lecture: on disk
// and in the archive. A quoted confirmation names the lecture once the 30
// minutes have passed.
func TestPictureAttached(t *testing.T) {
	r, st, m := testbot.MediaRouter(t, "wecom", "g1", "zhangsan")
	f := newFakeWeCom(t)
	run(t, f, r)
	f.push("aibot_msg_callback", groupMessage("m1", "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitFor("the confirmation", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 1 })
	reply := func(n int) string {
		f.waitFor("a reply", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == n })
		return streamContent(t, f.responses("aibot_respond_msg")[n-1])
	}

	photo := testbot.Photo(t, 1)
	img := groupMessage("m2", "")
	img["msgtype"], img["image"] = "image", f.publish("p1", "", photo)
	f.push("aibot_msg_callback", img)
	if got := reply(2); !strings.Contains(got, "已添加 1 张照片到 #1 张三《我和我的祖国》") {
		t.Fatalf("reply %q", got)
	}
	testbot.Kept(t, st, m, 1, photo)

	second := testbot.Photo(t, 2)
	mixed := groupMessage("m3", "")
	mixed["msgtype"] = "mixed"
	mixed["mixed"] = map[string]any{"msg_item": []map[string]any{
		{"msgtype": "text", "text": map[string]string{"content": "@党课助手 活动现场"}},
		{"msgtype": "image", "image": f.publish("p2", "", second)}}}
	f.push("aibot_msg_callback", mixed)
	if got := reply(3); !strings.Contains(got, "本条共有 2 个附件") {
		t.Fatalf("reply %q", got)
	}
	testbot.Kept(t, st, m, 1, second)

	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	file := groupMessage("m4", "")
	file["create_time"] = testbot.Now.Add(50 * time.Minute).Unix()
	file["msgtype"], file["file"] = "file", f.publish("f1", "讲稿.pdf", pdf)
	file["quote"] = map[string]any{"msgtype": "text", "text": map[string]string{"content": "已登记第 1 次微党课 ✅（编号 #1）"}}
	f.push("aibot_msg_callback", file)
	if got := reply(4); !strings.Contains(got, "已添加 1 个文件到 #1") || !strings.Contains(got, "讲稿.pdf") {
		t.Fatalf("reply %q", got)
	}
	if row := testbot.Kept(t, st, m, 1, pdf); row.Name != "讲稿.pdf" {
		t.Fatalf("name %q", row.Name)
	}
	if strings.Join(f.fetched, ",") != "p1,p2,f1" {
		t.Fatalf("downloads %q", f.fetched)
	}
}
