package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/media"
	"dangke/report"
	"dangke/store"
)

func attach(t testing.TB, st *store.Store, m *media.Store, lecture int64, name string, data []byte) dangke.LectureFile {
	t.Helper()
	ctx := context.Background()
	b, err := m.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	f := dangke.LectureFile{LectureID: lecture, SHA256: b.SHA256, Ext: b.Ext, MIME: b.MIME, Kind: b.Kind, Size: b.Size, Name: name,
		Author: "dingtalk:u1", Chat: "dingtalk:g1", CreatedAt: today}
	if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddFile(ctx, &f) }); err != nil {
		t.Fatal(err)
	}
	return f
}

func jpegOf(t testing.TB, w, h, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x*seed + y), uint8(y ^ seed), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The 台账 of a county: 附件1, a folder per lecture named by date, speaker
// and title holding its files under their own names (two of one name both
// kept) and a 说明.txt, thumbnails, and an index.html that links them all
// with relative paths. Another county's lecture is not in it, nor an
// undone file.
func TestArchive(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	m, err := media.New(filepath.Join(t.TempDir(), "media"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	photo := jpegOf(t, 800, 600, 3)
	first := attach(t, st, m, 1, "现场.jpg", photo)
	m.Thumb(first.SHA256, first.Ext) // made, as the worker makes it; the second photo's is not
	attach(t, st, m, 1, "现场.jpg", jpegOf(t, 100, 80, 5))
	attach(t, st, m, 1, "讲稿.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	gone := attach(t, st, m, 2, "撤回.jpg", jpegOf(t, 50, 50, 7))
	if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.RemoveFile(ctx, gone.ID, "dingtalk:u1", today) }); err != nil {
		t.Fatal(err)
	}
	other, _ := st.UnitByPath(ctx, "孟州市/机关党支部")
	l := dangke.Lecture{UnitID: other.ID, Speaker: "赵六", Position: "党员", Title: "别县", Date: time.Date(2019, 7, 3, 0, 0, 0, 0, cst), Attendees: 9, Form: "普通", Author: "x", Chat: "x"}
	if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &l) }); err != nil {
		t.Fatal(err)
	}
	attach(t, st, m, l.ID, "别县.jpg", jpegOf(t, 60, 60, 9))

	var buf bytes.Buffer
	a := &report.Archive{Store: st, Media: m, City: "焦作市", Unit: county, Now: today}
	stats, err := a.Write(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Lectures != 3 || stats.Files != 3 || stats.Missing != 0 {
		t.Fatalf("stats %+v", stats)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, f := range z.File {
		rc, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	folder := "2019-07-01 张三《我和我的祖国》/"
	for _, name := range []string{"附件1-温县.xlsx", folder + "现场.jpg", folder + "现场 (2).jpg", folder + "讲稿.pdf", folder + "说明.txt",
		"2019-07-08 李四《初心不改》/说明.txt", "2019-08-02 王五《奋斗的青春》/说明.txt", "index.html"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("no %s in %v", name, keys(entries))
		}
	}
	if !bytes.Equal(entries[folder+"现场.jpg"], photo) {
		t.Error("the photo is not the one sent")
	}
	for name := range entries {
		if strings.Contains(name, "别县") || strings.Contains(name, "撤回") {
			t.Errorf("%s is in the county's archive", name)
		}
	}
	note := string(entries[folder+"说明.txt"])
	for _, want := range []string{"编号：#1", "单位：温县/城关镇/第一党支部", "讲课人：张三", "领导干部：是", "题目：《我和我的祖国》", "日期：2019-07-01",
		"听课人数：40", "满意度：38/40", "登记人：x", "附件：现场.jpg、现场 (2).jpg、讲稿.pdf"} {
		if !strings.Contains(note, want) {
			t.Errorf("说明.txt lacks %q:\n%s", want, note)
		}
	}
	index := string(entries["index.html"])
	thumbs := 0
	for name := range entries {
		if strings.HasPrefix(name, "缩略图/") {
			thumbs++
			if !strings.Contains(index, strings.TrimPrefix(name, "缩略图/")) {
				t.Errorf("index.html does not show %s", name)
			}
		}
	}
	second := strings.ReplaceAll(url.PathEscape(strings.TrimSuffix(folder, "/")), "+", "%2B") + "/" + url.PathEscape("现场 (2).jpg")
	if thumbs != 1 || !strings.Contains(index, `<img src="`+second+`"`) || !strings.Contains(index, `<a href="2019-07-01%20%E5%BC%A0%E4%B8%89%E3%80%8A`) || !strings.Contains(index, `class="ph">PDF`) ||
		!strings.Contains(index, "共 3 次微党课，3 个附件") {
		t.Errorf("thumbs %d, index.html:\n%s", thumbs, index)
	}
	// The images a report may use: newest lecture first, captioned.
	imgs, err := st.UnitImages(ctx, county.ID, dangke.Period{}, 6)
	if err != nil || len(imgs) != 2 || imgs[0].Caption != "2019-07-01 张三《我和我的祖国》" {
		t.Fatalf("images %+v %v", imgs, err)
	}
	// The 情况报告's photos: the same pictures, as files on disk.
	photos, err := report.MediaPhotos(st, m).ReportPhotos(ctx, county.ID, dangke.Period{}, report.MaxReportPhotos)
	if err != nil || len(photos) != 2 || photos[0].Caption != imgs[0].Caption {
		t.Fatalf("photos %+v %v", photos, err)
	}
	if data, err := os.ReadFile(photos[0].Path); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("photo file: %v", err)
	}
	s, err := report.BuildSituation(ctx, st, report.MediaPhotos(st, m), "焦作市", "《通知》", county, dangke.Period{}, today)
	if err != nil || len(s.Photos) != 2 {
		t.Fatalf("situation photos %+v %v", s, err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// BenchmarkArchive2000 writes the 台账 of 2,000 lectures with a 200 KB
// photo each (thumbnails made at attach time, as the media store does in
// the background) and reports the peak heap: memory stays flat because
// every file is copied from disk into the ZIP as it is written.
func BenchmarkArchive2000(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "a.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	county := seed(b, st)
	unit, _ := st.UnitByPath(ctx, "温县/城关镇/第一党支部")
	m, err := media.New(filepath.Join(b.TempDir(), "media"), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	base := jpegOf(b, 800, 600, 11) // about 200 KB: a phone photo as chat apps compress it
	const n = 2000
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for i := 0; i < n; i++ {
			l := dangke.Lecture{UnitID: unit.ID, Speaker: fmt.Sprintf("讲课人%d", i), Position: "党员", Title: fmt.Sprintf("题目%d", i),
				Date: time.Date(2019, 7, 1+i%60, 0, 0, 0, 0, cst), Attendees: 20, Form: "普通", Author: "x", Chat: "x", CreatedAt: today}
			if err := tx.AddLecture(ctx, &l); err != nil {
				return err
			}
			// A distinct file each, written as Put writes it but without
			// its fsync, to keep the setup short (the archive is measured).
			data := append(append([]byte{}, base...), fmt.Sprintf("%08d", i)...)
			_, ext, kind, _ := media.Sniff(data)
			sum := sha256.Sum256(data)
			bl := dangke.Blob{SHA256: hex.EncodeToString(sum[:]), Ext: ext, Kind: kind, MIME: "image/jpeg", Size: int64(len(data))}
			if err := os.MkdirAll(filepath.Dir(m.Path(bl.SHA256, ext)), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(m.Path(bl.SHA256, ext), data, 0o600); err != nil {
				return err
			}
			f := dangke.LectureFile{LectureID: l.ID, SHA256: bl.SHA256, Ext: bl.Ext, MIME: bl.MIME, Kind: bl.Kind, Size: bl.Size, Name: "现场.jpg", Author: "x", Chat: "x", CreatedAt: today}
			if err := tx.AddFile(ctx, &f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	warm := os.Getenv("ARCHIVE_COLD") == ""
	if warm { // the thumbnails the background worker makes after each attach
		files, _ := st.FilesIn(ctx, 0, dangke.Period{})
		for _, f := range files {
			m.Thumb(f.SHA256, f.Ext)
		}
	}
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := os.Create(filepath.Join(b.TempDir(), "a.zip"))
		if err != nil {
			b.Fatal(err)
		}
		a := &report.Archive{Store: st, Media: m, City: "焦作市", Unit: county, Now: today}
		stats, err := a.Write(ctx, out)
		if err != nil || stats.Files < n {
			b.Fatalf("%+v %v", stats, err)
		}
		info, _ := out.Stat()
		out.Close()
		b.ReportMetric(float64(info.Size())/(1<<20), "MB-zip")
	}
	b.StopTimer()
	b.ReportMetric(float64(len(base))/1024, "KB/photo")
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	b.ReportMetric(float64(s[1].Value.Uint64())/(1<<20), "MB-go-total")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(hwm, "MB-VmHWM")
	}
}

// vmHWM reads the process's peak resident memory (Linux), in MB.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
