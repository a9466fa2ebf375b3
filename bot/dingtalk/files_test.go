package dingtalk_test

import (
	"strings"
	"testing"
	"time"

	"dangke/bot/dingtalk"
	"dangke/internal/testbot"
)

// A picture sent to the robot after a lecture is downloaded through the
// robot file API (downloadCode → downloadUrl → GET) and kept with it: on
// disk and in the archive. So is a picture in rich text that @-mentions
// the robot, and one in a reply quoting the confirmation after the 30
// minutes have passed; /撤销 then removes the newest.
func TestPictureAttached(t *testing.T) {
	r, st, m := testbot.MediaRouter(t, "dingtalk", "cidGroup1==", "manager123")
	f := newFake(t)
	photo, second, third := testbot.Photo(t, 1), testbot.Photo(t, 2), testbot.Photo(t, 3)
	f.blobs["code-1"], f.blobs["code-2"], f.blobs["code-3"] = photo, second, third
	run(t, f, r, dingtalk.Config{})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-1", "2", " /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitFor("the confirmation", 5*time.Second, func() bool { return len(f.hooks) == 1 })

	pic := f.robotMessage("msg-2", "2", "")
	pic["msgtype"], pic["content"] = "picture", map[string]string{"downloadCode": "code-1", "pictureDownloadCode": "p-1"}
	delete(pic, "text")
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", pic)
	f.waitFor("the picture's reply", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	if h := f.hooks[1].Text; !strings.Contains(h, "已添加 1 张照片到 #1 张三《我和我的祖国》") {
		t.Fatalf("reply %q", h)
	}
	testbot.Kept(t, st, m, 1, photo)

	rich := f.robotMessage("msg-3", "2", "")
	rich["msgtype"] = "richText"
	rich["content"] = map[string]any{"richText": []map[string]string{{"text": "@党课助手 活动现场"}, {"pictureDownloadCode": "p-2", "downloadCode": "code-2", "type": "picture"}}}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", rich)
	f.waitFor("the rich text's reply", 5*time.Second, func() bool { return len(f.hooks) == 3 })
	if h := f.hooks[2].Text; !strings.Contains(h, "已添加 1 张照片到 #1") || !strings.Contains(h, "本条共有 2 个附件") {
		t.Fatalf("reply %q", h)
	}
	testbot.Kept(t, st, m, 1, second)

	late := f.robotMessage("msg-4", "2", "")
	late["createAt"] = testbot.Now.Add(45 * time.Minute).UnixMilli()
	late["msgtype"] = "richText"
	late["text"] = map[string]any{"isReplyMsg": true, "repliedMsg": map[string]any{"msgType": "markdown",
		"content": map[string]string{"text": "已登记第 1 次微党课 ✅（编号 #1）"}}}
	late["content"] = map[string]any{"richText": []map[string]string{{"downloadCode": "code-3", "type": "picture"}}}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", late)
	f.waitFor("the quoted reply's reply", 5*time.Second, func() bool { return len(f.hooks) == 4 })
	if h := f.hooks[3].Text; !strings.Contains(h, "已添加 1 张照片到 #1") {
		t.Fatalf("reply %q", h)
	}
	testbot.Kept(t, st, m, 1, third)
	if strings.Join(f.downloads, ",") != "code-1,code-2,code-3" {
		t.Fatalf("downloads %q", f.downloads)
	}

	// A file can only be sent 1:1: named there first with /照片 #1.
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	f.blobs["code-4"] = pdf
	name := f.robotMessage("msg-6", "1", "/照片 #1")
	name["createAt"] = testbot.Now.Add(45 * time.Minute).UnixMilli()
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", name)
	f.waitFor("the 1:1 reply", 5*time.Second, func() bool { return len(f.hooks) == 5 })
	if h := f.hooks[4].Text; !strings.Contains(h, "将添加到 #1 张三《我和我的祖国》") {
		t.Fatalf("reply %q", h)
	}
	file := f.robotMessage("msg-7", "1", "")
	file["createAt"] = testbot.Now.Add(46 * time.Minute).UnixMilli()
	file["msgtype"], file["content"] = "file", map[string]string{"downloadCode": "code-4", "fileName": "讲稿.pdf", "spaceId": "1", "fileId": "2"}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", file)
	f.waitFor("the file's reply", 5*time.Second, func() bool { return len(f.hooks) == 6 })
	if h := f.hooks[5].Text; !strings.Contains(h, "已添加 1 个文件到 #1") || !strings.Contains(h, "讲稿.pdf") {
		t.Fatalf("reply %q", h)
	}
	if row := testbot.Kept(t, st, m, 1, pdf); row.Name != "讲稿.pdf" {
		t.Fatalf("name %q", row.Name)
	}

	undo := f.robotMessage("msg-5", "2", " /撤销")
	undo["createAt"] = testbot.Now.Add(46 * time.Minute).UnixMilli()
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", undo)
	f.waitFor("the undo's reply", 5*time.Second, func() bool { return len(f.hooks) == 7 })
	if h := f.hooks[6].Text; !strings.Contains(h, "已撤销附件 讲稿.pdf") || !strings.Contains(h, "#1 还有 3 个附件") {
		t.Fatalf("reply %q", h)
	}
}
