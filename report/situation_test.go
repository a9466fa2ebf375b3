package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/report"
	"dangke/store"
)

var updateReport = flag.Bool("update-report", false, "rewrite report/testdata/situation.golden")

// seedShowcase adds to seed's county a pool, 示范宣讲 of several venues and
// forms, excellent lectures (one with XML's special characters in its
// title) and the city pool's decisions.
func seedShowcase(t testing.TB, st *store.Store) *dangke.Unit {
	ctx := context.Background()
	county := seed(t, st)
	b1, _ := st.UnitByPath(ctx, "温县/城关镇/第一党支部")
	school, _ := st.UnitByPath(ctx, "温县/温县一中")
	day := func(m time.Month, d int) time.Time { return time.Date(2019, m, d, 0, 0, 0, 0, cst) }
	var ids []int64
	err := st.Update(ctx, func(tx dangke.Tx) error {
		for i, name := range []string{"李四", "赵敏", "钱多"} {
			in := &dangke.Instructor{PoolID: county.ID, UnitID: county.ID, Name: name, Gender: "女", BirthY: 1985, BirthM: 3,
				Workplace: "县委党校", Position: "教师", Phone: "1381234567" + string(rune('0'+i)), Author: "x", Chat: "x", CreatedAt: today}
			if err := tx.AddInstructor(ctx, in); err != nil {
				return err
			}
			p := dangke.CityPick{Instructor: *in, Status: dangke.PickRecommended, By: "x", At: today}
			if err := tx.SetCityPick(ctx, p); err != nil {
				return err
			}
			if i == 0 {
				p.Status, p.DecidedBy, p.DecidedAt = dangke.PickSelected, "admin", today
				if err := tx.SetCityPick(ctx, p); err != nil {
					return err
				}
			}
		}
		for _, l := range []dangke.Lecture{
			{UnitID: b1.ID, Speaker: "李四", Position: "教师", Title: "红色家书", Date: day(7, 15), Attendees: 50, Venue: "社区", Form: "情景", Link: "https://example.org/v/1"},
			{UnitID: school.ID, Speaker: "赵敏", Position: "教师", Title: "我和我的祖国", Date: day(8, 20), Attendees: 120, Venue: "学校", Form: "文艺"},
			{UnitID: b1.ID, Speaker: "李四", Position: "教师", Title: "红 & <专>", Date: day(9, 3), Attendees: 35, Venue: "农村", Form: "普通", Link: "https://example.org/v/2?a=1&b=2"},
		} {
			l.Author, l.Chat, l.CreatedAt = "x", "x", today
			if err := tx.AddLecture(ctx, &l); err != nil {
				return err
			}
			if err := tx.SetDemo(ctx, l.ID, true); err != nil {
				return err
			}
			ids = append(ids, l.ID)
		}
		for _, id := range []int64{ids[0], ids[2]} {
			l, err := tx.Lecture(ctx, id)
			if err != nil {
				return err
			}
			if err := tx.MarkExcellent(ctx, dangke.Excellent{Lecture: *l, Reason: "效果好", By: "admin", At: today}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return county
}

// fixturePhotos is the photo hook as the attachments will fill it: the
// JPEG fixture kept in testdata and a PNG made here.
func fixturePhotos(t testing.TB) report.PhotoSource {
	pngPath := filepath.Join(t.TempDir(), "photo2.png")
	img := image.NewRGBA(image.Rect(0, 0, 300, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 300; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y / 2), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pngPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return report.PhotoFunc(func(ctx context.Context, unit int64, p dangke.Period, max int) ([]report.Photo, error) {
		return []report.Photo{
			{Path: "testdata/fixture-photo.jpg", Caption: "李四在城关镇社区开展示范宣讲"},
			{Path: pngPath, Caption: "赵敏在温县一中讲文艺党课"},
		}, nil
	})
}

func buildSituation(t testing.TB, photos report.PhotoSource) *report.Situation {
	ctx := context.Background()
	st := openStore(t)
	county := seedShowcase(t, st)
	s, err := report.BuildSituation(ctx, st, photos, "焦作市", "《关于在全市组织开展“我和我的祖国”微型党课系列活动的通知》（焦宣文〔2019〕15号）",
		county, dangke.Period{}, today)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The report's text, figures and marked places, against the golden file.
func TestSituationText(t *testing.T) {
	s := buildSituation(t, fixturePhotos(t))
	got := s.Text()
	got = strings.ReplaceAll(got, filepath.Dir(s.Photos[1].Path), "TMP")
	golden := "testdata/situation.golden"
	if *updateReport {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("report text differs from %s (go test ./report -run TestSituationText -update-report):\n%s", golden, got)
	}
	// Without the photo hook, the photos are a place to fill.
	none := buildSituation(t, nil).Text()
	if !strings.Contains(none, "【请补充：示范宣讲活动照片（不超过6张）及说明】") {
		t.Errorf("no marked place for the photos:\n%s", none)
	}
}

// The DOCX read back: a valid zip with every part, well-formed XML, the
// GB/T 9704 page, fonts and sizes, the photos embedded, the page numbers.
func TestSituationDOCX(t *testing.T) {
	s := buildSituation(t, fixturePhotos(t))
	data, err := s.DOCX(today)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Notes) > 0 {
		t.Errorf("notes: %v", s.Notes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
		if strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels") {
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s is not well-formed: %v", f.Name, err)
				}
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/settings.xml",
		"word/footer1.xml", "word/footer2.xml", "word/_rels/document.xml.rels", "docProps/core.xml", "docProps/app.xml",
		"word/media/image1.jpeg", "word/media/image2.png"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("missing part %s", name)
		}
	}
	doc, styles := parts["word/document.xml"], parts["word/styles.xml"]
	for _, want := range []string{
		`<w:pgSz w:w="11906" w:h="16838"/>`,                         // A4
		`w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"`, // 37/26/35/28 mm
		`w:linePitch="579"`,                                         // 28.95pt: 22 lines a page
		`<w:footerReference w:type="even"`,
		"关于开展微型党课示范宣讲活动的情况报告",
		"红 &amp; &lt;专&gt;", "https://example.org/v/2?a=1&amp;b=2",
		`<w:rStyle w:val="ToFill"/></w:rPr><w:t xml:space="preserve">【请补充：`,
		`r:embed="rIdImg1"`, `r:embed="rIdImg2"`,
		"图1  李四在城关镇社区开展示范宣讲",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	for _, want := range []string{
		`w:eastAsia="仿宋_GB2312"`, `<w:sz w:val="32"/>`, // body: 仿宋_GB2312 3号
		`w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/>`, // title: 小标宋 2号
		`w:eastAsia="黑体"`, `w:eastAsia="楷体_GB2312"`,
		`w:line="579" w:lineRule="exact"`,
	} {
		if !strings.Contains(styles, want) {
			t.Errorf("styles.xml lacks %s", want)
		}
	}
	if !strings.Contains(parts["word/settings.xml"], "<w:evenAndOddHeaders/>") {
		t.Error("odd and even page numbers are not set apart")
	}
	if f := parts["word/footer1.xml"]; !strings.Contains(f, `w:instr=" PAGE "`) || !strings.Contains(f, "— ") {
		t.Errorf("footer1 lacks the page number — N —: %s", f)
	}
	// 22 lines of 28 characters: the type area over the grid.
	area := report.Page.W - report.Page.Left - report.Page.Right
	if perChar := float64(area) / report.CharsPerLine; perChar < 310 || perChar > 320 {
		t.Errorf("a character is %.1f twips wide, want about 316 (28 a line)", perChar)
	}
	if lines := (report.Page.H - report.Page.Top - report.Page.Bottom) / report.Page.LinePitch; lines != report.LinesPerPage {
		t.Errorf("%d lines a page, want %d", lines, report.LinesPerPage)
	}
}

// A photo that is not a picture is left out with a note, not an error.
func TestSituationBadPhoto(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "x.jpg")
	if err := os.WriteFile(bad, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := buildSituation(t, report.PhotoFunc(func(context.Context, int64, dangke.Period, int) ([]report.Photo, error) {
		return []report.Photo{{Path: bad, Caption: "坏图"}}, nil
	}))
	data, err := s.DOCX(today)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "坏图") {
		t.Errorf("notes: %v", s.Notes)
	}
	if bytes.Contains(data, []byte("坏图")) {
		t.Error("the caption of a photo left out is in the document")
	}
}

// LibreOffice opens the DOCX and renders it to PDF (and, with pdftoppm,
// the first page to PNG for a look by eye: REPORT_PNG=path keeps it,
// REPORT_PDF=path the whole PDF).
// Skipped where LibreOffice is not installed.
func TestSituationLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed")
	}
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	s := buildSituation(t, fixturePhotos(t))
	data, err := s.DOCX(today)
	if err != nil {
		t.Fatal(err)
	}
	docx := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(docx, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir, docx)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "report.pdf")
	info, err := os.Stat(pdf)
	if err != nil || info.Size() < 1000 {
		t.Fatalf("no PDF: %v", err)
	}
	if keep := os.Getenv("REPORT_PDF"); keep != "" {
		if data, err := os.ReadFile(pdf); err == nil {
			_ = os.WriteFile(keep, data, 0o644)
		}
	}
	if keep := os.Getenv("REPORT_PNG"); keep != "" {
		if ppm, err := exec.LookPath("pdftoppm"); err == nil {
			if out, err := exec.Command(ppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, strings.TrimSuffix(keep, ".png")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
		}
	}
}
