package dingtalk_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"

	"dangke"
	"dangke/bot/dingtalk"
)

// A chart goes through the media upload as an image and out as
// sampleImageMsg with its media id; a spreadsheet stays a sampleFile.
func TestImages(t *testing.T) {
	f := newFake(t)
	a, err := dingtalk.New(dingtalk.Config{ClientID: f.id, ClientSecret: f.key, OpenAPIHost: f.srv.URL, OAPIHost: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1080, 600))); err != nil {
		t.Fatal(err)
	}
	group := dangke.ChatRef{Platform: "dingtalk", ID: "cidGroup1==", Group: true}
	err = a.Notify(context.Background(), group, &dangke.Reply{Text: "周报", Files: []dangke.File{
		{Name: "温县-上台率.png", MIME: "image/png", Data: buf.Bytes()},
		{Name: "附件1.xlsx", Data: []byte("PK")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sends) != 3 {
		t.Fatalf("sends %+v", f.sends)
	}
	if s := f.sends[1]; s.Key != "sampleImageMsg" || s.Param != `{"photoURL":"@lAzImage1"}` {
		t.Errorf("image send %+v", s)
	}
	if s := f.sends[2]; s.Key != "sampleFile" || !strings.Contains(s.Param, `"mediaId":"@lAzMedia1"`) {
		t.Errorf("file send %+v", s)
	}
	if len(f.uploads) != 2 || f.uploads[0] != "image:温县-上台率.png:"+buf.String() || f.uploads[1] != "附件1.xlsx:PK" {
		t.Errorf("uploads %d", len(f.uploads))
	}
}
