package report

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"image"
	_ "image/gif"  // photos: GIF, decoded for its size only
	_ "image/jpeg" // JPEG
	_ "image/png"  // PNG
	"io/fs"
	"net/http"
	"os"
	"strings"
	"text/template"
	"time"
)

// The report is written as a DOCX from a template kept in the repository
// (report/docx: the package parts, styles and footers as they are, and
// document.xml filled through text/template, every value XML-escaped by
// the template's x function) and zipped with archive/zip. A library was
// the first choice, but the module proxy serves no maintained pure-Go
// DOCX writer (gooxml is not served, godocx lists no version); and the
// layout GB/T 9704 asks for — the page margins, a fixed 28.95pt line pitch
// on a character grid, the fonts of each level, odd and even page numbers
// — is a handful of settings in styles.xml and sectPr that a reviewer can
// read in the template, where a library would hide them behind its own
// defaults.

//go:embed all:docx
var docxFiles embed.FS

// Page is the GB/T 9704-2012 page in twips (1/20 pt; 1 mm ≈ 56.7): A4,
// margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, which leave a
// type area of 156 × 225 mm; 22 lines of 28 characters of 3号 (16pt) type,
// so a line pitch of 225 mm / 22 = 28.95pt (a line grid, and exact line
// spacing in the styles). 28 characters of 16pt are 448pt, a little more
// than the 442pt of the line: Tracking (in styles.xml, 1/20 pt) narrows
// every character by 0.25pt so that 28 fit, as Word's character grid
// would, but in a way LibreOffice and WPS lay out alike. The page number
// sits 7 mm below the type area.
var Page = struct {
	W, H, Top, Bottom, Left, Right, Footer, LinePitch, Tracking int
}{W: 11906, H: 16838, Top: 2098, Bottom: 1984, Left: 1587, Right: 1474, Footer: 1304, LinePitch: 579, Tracking: -5}

// Report page layout constants the tests check.
const (
	LinesPerPage = 22
	CharsPerLine = 28
	BodySize     = 32 // half-points: 3号, 16pt
	TitleSize    = 44 // 2号, 22pt
)

// emuPerMM converts millimetres to DrawingML's English Metric Units.
const emuPerMM = 36000

// Photos are laid out at most 120 mm wide and 85 mm high.
const (
	photoMaxW = 120 * emuPerMM
	photoMaxH = 85 * emuPerMM
)

type docxImage struct {
	N      int
	RID    string
	Target string // media/image1.png
	Name   string
	CX, CY int64
	data   []byte
}

type textRun struct {
	Text string
	Fill bool
}

// runs splits a paragraph into plain text and the 【请补充：…】 places, which
// are highlighted for the officer.
func runs(s string) []textRun {
	var out []textRun
	for s != "" {
		i := strings.Index(s, "【请补充：")
		if i < 0 {
			out = append(out, textRun{Text: s})
			break
		}
		if i > 0 {
			out = append(out, textRun{Text: s[:i]})
		}
		j := strings.Index(s[i:], "】")
		if j < 0 {
			out = append(out, textRun{Text: s[i:], Fill: true})
			break
		}
		end := i + j + len("】")
		out = append(out, textRun{Text: s[i:end], Fill: true})
		s = s[end:]
	}
	return out
}

func xmlText(s string) (string, error) {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", err
	}
	return b.String(), nil
}

var styleOf = map[string]string{
	BlockTitle: "Title", BlockHeading1: "Heading1", BlockHeading2: "Heading2", BlockPara: "Body",
	BlockCaption: "Caption", BlockSign: "Sign", BlockAddressee: "Normal", BlockBlank: "Normal",
}

var docxFuncs = template.FuncMap{
	"x":     xmlText,
	"runs":  runs,
	"style": func(kind string) string { return styleOf[kind] },
}

// tableCols are the report table's column widths in twips: the whole
// type area, split 3:2.
var tableCols = []int{5307, 3538}

// loadImage reads a photo and sizes it to fit the layout.
func loadImage(n int, p Photo) (*docxImage, error) {
	data, err := os.ReadFile(p.Path)
	if err != nil {
		return nil, err
	}
	ext := ""
	switch http.DetectContentType(data) {
	case "image/png":
		ext = "png"
	case "image/jpeg":
		ext = "jpeg"
	case "image/gif":
		ext = "gif"
	default:
		return nil, fmt.Errorf("不是 JPEG、PNG 或 GIF 图片")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("图片无法读取")
	}
	cx, cy := int64(photoMaxW), int64(photoMaxW)*int64(cfg.Height)/int64(cfg.Width)
	if cy > photoMaxH {
		cx, cy = int64(photoMaxH)*int64(cfg.Width)/int64(cfg.Height), photoMaxH
	}
	return &docxImage{N: n, RID: fmt.Sprintf("rIdImg%d", n), Target: fmt.Sprintf("media/image%d.%s", n, ext),
		Name: p.Caption, CX: cx, CY: cy, data: data}, nil
}

// DOCX lays the report out as an official document (GB/T 9704) and
// returns the file. A photo that cannot be read is left out, with a note
// in s.Notes, and its caption with it.
func (s *Situation) DOCX(now time.Time) ([]byte, error) {
	var images []*docxImage
	var blocks []Block
	skip := false
	for _, bl := range s.Blocks {
		switch {
		case bl.Kind == BlockPhoto:
			img, err := loadImage(len(images)+1, s.Photos[bl.Photo])
			if err != nil {
				s.Notes = append(s.Notes, fmt.Sprintf("照片「%s」未放入报告：%v", s.Photos[bl.Photo].Caption, err))
				skip = true
				continue
			}
			bl.Photo = len(images)
			images = append(images, img)
		case bl.Kind == BlockCaption && skip:
			skip = false
			continue
		}
		blocks = append(blocks, bl)
	}
	width := 0
	for _, w := range tableCols {
		width += w
	}
	data := map[string]any{
		"Blocks": blocks, "Images": images, "Page": Page, "TableCols": tableCols, "TableWidth": width,
		"Title": s.Title, "Unit": s.Unit, "Created": now.UTC().Format("2006-01-02T15:04:05Z"),
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := fs.WalkDir(docxFiles, "docx", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(path, "docx/")
		raw, err := docxFiles.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(name, ".tmpl") {
			name = strings.TrimSuffix(name, ".tmpl")
			t, err := template.New(name).Funcs(docxFuncs).Parse(string(raw))
			if err != nil {
				return err
			}
			var out bytes.Buffer
			if err := t.Execute(&out, data); err != nil {
				return err
			}
			raw = out.Bytes()
		}
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = w.Write(raw)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("report: docx: %w", err)
	}
	for _, img := range images {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/" + img.Target, Method: zip.Store})
		if err != nil {
			return nil, fmt.Errorf("report: docx: %w", err)
		}
		if _, err := w.Write(img.data); err != nil {
			return nil, fmt.Errorf("report: docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("report: docx: %w", err)
	}
	return buf.Bytes(), nil
}
