package wecom_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"image"
	"image/png"
	"strings"
	"testing"

	"dangke"
	"dangke/bot/wecom"
)

// A chart goes as an image: over the long connection uploaded as media
// type image and sent as msgtype image; through the group robot as the
// image message (base64 and MD5). A spreadsheet stays a file.
func TestImages(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	a := run(t, f, r)
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1080, 600))); err != nil {
		t.Fatal(err)
	}
	pic := dangke.File{Name: "温县-上台率.png", MIME: "image/png", Data: buf.Bytes()}
	group := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true, Webhook: "hook-key-1"}
	if err := a.Notify(context.Background(), group, &dangke.Reply{Text: "周报", Files: []dangke.File{pic, {Name: "附件1.xlsx", Data: []byte("PK")}}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	inits, sends := f.responses("aibot_upload_media_init"), f.responses("aibot_send_msg")
	f.mu.Unlock()
	if len(inits) != 2 || !strings.Contains(string(inits[0].Body), `"type":"image"`) || !strings.Contains(string(inits[1].Body), `"type":"file"`) {
		t.Fatalf("uploads %d", len(inits))
	}
	if len(sends) != 3 || !strings.Contains(string(sends[1].Body), `"msgtype":"image"`) || !strings.Contains(string(sends[1].Body), `"image":{"media_id":"media-ws-1"}`) ||
		!strings.Contains(string(sends[2].Body), `"msgtype":"file"`) {
		t.Fatalf("sends %d", len(sends))
	}
	// The group robot, from a process without the long connection.
	cli, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Notify(context.Background(), group, &dangke.Reply{Text: "周报二", Files: []dangke.File{pic}}); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(pic.Data)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hookSends) != 2 || f.hookSends[1] != "image:"+hex.EncodeToString(sum[:]) || len(f.uploads) != 0 {
		t.Fatalf("hook %q uploads %d", f.hookSends, len(f.uploads))
	}
}
