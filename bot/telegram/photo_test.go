package telegram_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"dangke"
	"dangke/bot/telegram"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A chart goes with sendPhoto, so that the chat shows it; a spreadsheet,
// and a picture beyond sendPhoto's limits, with sendDocument.
func TestPhotos(t *testing.T) {
	r, _ := newRouter(t)
	f, a := start(t, r, telegram.Config{})
	chart := pngOf(t, 1080, 900)
	tall := pngOf(t, 100, 9950) // width + height above 10,000
	err := a.Notify(context.Background(), dangke.ChatRef{Platform: "telegram", ID: "-1001234567890"}, &dangke.Reply{Text: "周报",
		Files: []dangke.File{
			{Name: "温县-上台率.png", MIME: "image/png", Data: chart},
			{Name: "附件1.xlsx", Data: []byte("PK..")},
			{Name: "长图.png", MIME: "image/png", Data: tall},
			{Name: "坏图.png", MIME: "image/png", Data: []byte("not a png")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := []struct{ method, name string }{{"sendPhoto", "温县-上台率.png"}, {"sendDocument", "附件1.xlsx"}, {"sendDocument", "长图.png"}, {"sendDocument", "坏图.png"}}
	if len(f.docs) != len(want) {
		t.Fatalf("sent %+v", f.docs)
	}
	for i, w := range want {
		if d := f.docs[i]; d.Method != w.method || d.Name != w.name || d.ChatID != "-1001234567890" {
			t.Errorf("file %d: %s %s, want %s %s", i, d.Method, d.Name, w.method, w.name)
		}
	}
	if f.docs[0].Data != string(chart) {
		t.Error("the photo's bytes changed on the way")
	}
}
