package testbot

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dangke"
	"dangke/commands"
	"dangke/media"
	"dangke/report"
	"dangke/store"
)

// MediaRouter is Router with a media store in a temporary folder, so that
// pictures sent to the bot are kept.
func MediaRouter(t testing.TB, platform, chat, admin string) (*commands.Router, *store.Store, *media.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, platform+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	m, err := media.New(filepath.Join(dir, platform+".db.media"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return setupRouter(t, st, platform, chat, admin, m), st, m
}

// Photo is a small JPEG picture, different for each seed.
func Photo(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.RGBA{uint8(x + seed), uint8(y * 3), uint8(seed * 7), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Kept checks that data is attached to a lecture: its file on disk under
// the media folder, and in the 台账 archive of the city under its lecture's
// folder under the row's name. It returns the attachment's row.
func Kept(t testing.TB, st *store.Store, m *media.Store, lecture int64, data []byte) dangke.LectureFile {
	t.Helper()
	ctx := context.Background()
	files, err := st.Files(ctx, lecture)
	if err != nil {
		t.Fatal(err)
	}
	var row *dangke.LectureFile
	for i := range files {
		if disk, err := os.ReadFile(m.Path(files[i].SHA256, files[i].Ext)); err == nil && bytes.Equal(disk, data) {
			row = &files[i]
		}
	}
	if row == nil {
		t.Fatalf("lecture #%d has no file with the picture on disk (rows %+v)", lecture, files)
	}
	a := &report.Archive{Store: st, Media: m, City: "焦作市", Now: Now}
	var buf bytes.Buffer
	if _, err := a.Write(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
		if !strings.HasSuffix(f.Name, "/"+row.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Equal(got, data) {
			return *row
		}
	}
	t.Fatalf("the archive has no %s with the picture: %q", row.Name, names)
	return *row
}
