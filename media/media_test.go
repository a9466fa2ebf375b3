package media_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/media"
)

func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return img
}

func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// office is a minimal Office Open XML package whose parts name its kind.
func office(t *testing.T, part string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", part} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<?xml version=\"1.0\"?><x/>"))
	}
	z.Close()
	return buf.Bytes()
}

func box(brand string) []byte {
	return append([]byte("\x00\x00\x00\x18ftyp"+brand+"\x00\x00\x00\x00"+brand+"mif1"), make([]byte, 64)...)
}

// Every kept type is recognised by its content, whatever it is called;
// anything else is refused with the reason.
func TestSniff(t *testing.T) {
	webp, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	img := picture(40, 30)
	for _, c := range []struct {
		name, ext, kind string
		data            []byte
	}{
		{"jpeg", ".jpg", dangke.KindImage, encoded(t, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) }, img)},
		{"png", ".png", dangke.KindImage, encoded(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) }, img)},
		{"gif", ".gif", dangke.KindImage, encoded(t, func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) }, img)},
		{"webp", ".webp", dangke.KindImage, webp},
		{"heic", ".heic", dangke.KindImage, box("heic")},
		{"mp4", ".mp4", dangke.KindVideo, box("isom")},
		{"mov", ".mov", dangke.KindVideo, box("qt  ")},
		{"pdf", ".pdf", dangke.KindFile, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")},
		{"docx", ".docx", dangke.KindFile, office(t, "word/document.xml")},
		{"xlsx", ".xlsx", dangke.KindFile, office(t, "xl/workbook.xml")},
		{"pptx", ".pptx", dangke.KindFile, office(t, "ppt/presentation.xml")},
	} {
		_, ext, kind, ok := media.Sniff(c.data)
		if !ok || ext != c.ext || kind != c.kind {
			t.Errorf("%s: sniffed %q %q %v", c.name, ext, kind, ok)
		}
	}
	for _, bad := range [][]byte{[]byte("just text\n"), []byte("MZ\x90\x00\x03\x00\x00\x00"), {0x1f, 0x8b, 8, 0, 0, 0, 0, 0}} {
		if mime, _, _, ok := media.Sniff(bad); ok {
			t.Errorf("%q accepted as %s", bad, mime)
		}
	}
}

// Put keeps content once under its SHA-256, refuses what is too big or of
// another type with a Chinese reason, and makes a thumbnail of at most 640
// px for the pictures Go decodes (JPEG, PNG, GIF, WebP), none for others.
func TestPutAndThumb(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m, err := media.New(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	big := encoded(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) }, picture(1280, 400))
	b1, err := m.Put(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := m.Put(ctx, big)
	if err != nil || b2 != b1 {
		t.Fatalf("second put %+v %v", b2, err)
	}
	if got, err := os.ReadFile(m.Path(b1.SHA256, b1.Ext)); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("content on disk: %v", err)
	}
	if m.Path(b1.SHA256, b1.Ext) != filepath.Join(dir, b1.SHA256[:2], b1.SHA256+".png") {
		t.Fatalf("path %s", m.Path(b1.SHA256, b1.Ext))
	}
	thumb := m.Thumb(b1.SHA256, b1.Ext)
	f, err := os.Open(thumb)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(f)
	f.Close()
	if err != nil || format != "jpeg" || cfg.Width != 640 || cfg.Height != 200 {
		t.Fatalf("thumbnail %s %dx%d %v", format, cfg.Width, cfg.Height, err)
	}
	webp, _ := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	bw, err := m.Put(ctx, webp)
	if err != nil || m.Thumb(bw.SHA256, bw.Ext) == "" {
		t.Fatalf("webp: %+v %v", bw, err)
	}
	bh, err := m.Put(ctx, box("heic"))
	if err != nil || m.Thumb(bh.SHA256, bh.Ext) != "" {
		t.Fatalf("heic: %+v %v (no Go decoder: a placeholder)", bh, err)
	}
	if _, err := m.Put(ctx, append([]byte("%PDF-1.4\n"), make([]byte, 1<<20)...)); dangke.ErrorCode(err) != dangke.EINVALID || !strings.Contains(dangke.ErrorMessage(err), "文件太大：1.0 MB，最大 1.0 MB") {
		t.Fatalf("too big: %v", err)
	}
	if _, err := m.Put(ctx, []byte("备注：不是照片")); dangke.ErrorCode(err) != dangke.EINVALID || !strings.Contains(dangke.ErrorMessage(err), "不能保存这种文件（text/plain）") {
		t.Fatalf("text: %v", err)
	}
	// The sweep keeps what rows name and young files; the rest goes.
	files, _, err := m.Sweep(func(sha string) bool { return sha == b1.SHA256 }, time.Hour, time.Now())
	if err != nil || files != 0 {
		t.Fatalf("a young file was swept: %d %v", files, err)
	}
	files, _, err = m.Sweep(func(sha string) bool { return sha == b1.SHA256 }, 0, time.Now().Add(time.Minute))
	if err != nil || files != 2 { // the webp (and its thumbnail), the heic
		t.Fatalf("swept %d %v", files, err)
	}
	if _, err := os.Stat(m.Path(b1.SHA256, b1.Ext)); err != nil {
		t.Fatal("a named file was swept")
	}
	if _, err := os.Stat(m.Path(bw.SHA256, bw.Ext)); err == nil {
		t.Fatal("an unnamed file was kept")
	}
	// A backup copies the content, once.
	out := filepath.Join(t.TempDir(), "backup.media")
	if n, _, err := m.CopyTo(out); err != nil || n != 1 {
		t.Fatalf("copy %d %v", n, err)
	}
	if n, _, err := m.CopyTo(out); err != nil || n != 0 {
		t.Fatalf("second copy %d %v", n, err)
	}
}

// BenchmarkThumbnail200KB makes the thumbnail of an 800×600, 200 KB JPEG:
// the work the background worker does per picture, and what an archive
// does for a picture whose thumbnail was never made.
func BenchmarkThumbnail200KB(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			img.Set(x, y, color.RGBA{uint8(x*11 + y), uint8(y ^ 11), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(buf.Len())/1024, "KB/photo")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := media.Thumbnail(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
