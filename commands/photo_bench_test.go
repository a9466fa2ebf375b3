package commands_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/media"
	"dangke/store"
)

// photo5MB is a 4000×3000 JPEG of about 5 MB, as phones take them.
func photo5MB(b *testing.B) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < 3000; y++ {
		for x := 0; x < 4000; x++ {
			n := uint8(rng.IntN(24))
			img.Set(x, y, color.RGBA{uint8(x/16) + n, uint8(y/12) + n, uint8((x+y)/28) + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkAttachPhoto5MB attaches a 5 MB photo to a lecture through the
// router, the download left out (the attachment reads from memory): the
// type sniffed, the SHA-256, the file written and synced, the row and its
// audit committed with synchronous=FULL, the reply. The thumbnail is made
// by the media store's worker meanwhile, and competes for the CPU as it
// would in the bot.
func BenchmarkAttachPhoto5MB(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	m, err := media.New(filepath.Join(dir, "media"), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	now := time.Date(2019, 7, 10, 10, 0, 0, 0, shanghai)
	r := commands.New(st, commands.Config{Admins: []string{"console:admin"}, Location: shanghai, Now: func() time.Time { return now }, Media: m})
	chat := dangke.ChatRef{Platform: "console", ID: "g", Group: true}
	say := func(from, text string, files ...dangke.Attachment) string {
		rep, err := r.Handle(ctx, dangke.Request{Chat: chat, From: dangke.Person{Platform: "console", ID: from}, Text: text, Time: now, Attachments: files})
		if err != nil || rep == nil {
			b.Fatalf("%s: %v", text, err)
		}
		return rep.Text
	}
	say("admin", "/单位 新增 温县/城关镇/第一党支部 45")
	say("admin", "/单位 绑定 温县/城关镇/第一党支部")
	say("zs", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	photo := photo5MB(b)
	b.ReportMetric(float64(len(photo))/(1<<20), "MB/photo")
	b.SetBytes(int64(len(photo)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data := append(photo[:len(photo):len(photo)], strconv.Itoa(i)...) // a new file each time: no dedupe
		a := dangke.Attachment{Kind: dangke.KindImage, Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}}
		if got := say("zs", "", a); !strings.Contains(got, "已添加 1 张照片") {
			b.Fatal(got)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(photo))/(1<<20), "MB/photo")
}
