package report

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"dangke"
)

// Archive is the 台账: one ZIP with the 附件1 form, a folder per lecture
// holding its photos, videos and files under their own names and a
// 说明.txt, and an index.html that opens offline and lists the lectures
// with thumbnails. It streams: each file is copied from the media store
// into the ZIP as it is written, so memory stays flat however large the
// archive; only the lectures' rows and the index's text are held.
type Archive struct {
	Store    dangke.Reader
	Media    dangke.Media // nil: the folders hold only 说明.txt
	City     string       // 焦作市
	Campaign string       // the campaign's name, for 附件1's title
	Unit     *dangke.Unit // nil: the whole city
	Period   dangke.Period
	Now      time.Time
}

// ArchiveStats says what an archive holds.
type ArchiveStats struct {
	Lectures int
	Files    int
	Bytes    int64 // the attachments' bytes
	Missing  int   // attachments whose content was not found on disk
}

// stored are the extensions kept uncompressed in the ZIP: their content
// is compressed already, and deflating it again costs time for nothing.
var stored = map[string]bool{".jpg": true, ".png": true, ".gif": true, ".webp": true, ".heic": true, ".heif": true,
	".mp4": true, ".mov": true, ".docx": true, ".xlsx": true, ".pptx": true}

// Write writes the archive to w. Its lectures, attachments and 附件1 are
// read in one snapshot of the store: a lecture logged meanwhile cannot
// be in one of them and not in another.
func (a *Archive) Write(ctx context.Context, w io.Writer) (ArchiveStats, error) {
	var st ArchiveStats
	err := dangke.InSnapshot(ctx, a.Store, func(r dangke.Reader) (err error) {
		in := *a
		in.Store = r
		st, err = in.write(ctx, w)
		return err
	})
	return st, err
}

func (a *Archive) write(ctx context.Context, w io.Writer) (ArchiveStats, error) {
	var st ArchiveStats
	var unitID int64
	who := a.City
	if a.Unit != nil {
		unitID, who = a.Unit.ID, a.Unit.Name
	}
	lectures, err := a.Store.LecturesIn(ctx, unitID, a.Period)
	if err != nil {
		return st, err
	}
	files, err := a.Store.FilesIn(ctx, unitID, a.Period)
	if err != nil {
		return st, err
	}
	byLecture := map[int64][]dangke.LectureFile{}
	for _, f := range files {
		byLecture[f.LectureID] = append(byLecture[f.LectureID], f)
	}
	form, err := Form1(ctx, a.Store, a.City, a.Campaign, a.Unit, a.Period, a.Now)
	if err != nil {
		return st, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	z := zip.NewWriter(bw)
	modified := a.Now
	entry := func(name string, deflate bool) (io.Writer, error) {
		h := &zip.FileHeader{Name: name, Modified: modified, Method: zip.Store}
		if deflate {
			h.Method = zip.Deflate
		}
		return z.CreateHeader(h)
	}
	formName := "附件1-" + who + ".xlsx"
	fw, err := entry(formName, true)
	if err != nil {
		return st, fmt.Errorf("report: archive: %w", err)
	}
	if err := form.WriteXLSX(fw); err != nil {
		return st, err
	}
	var index strings.Builder
	title := who + "微型党课台账"
	if !a.Period.IsZero() {
		title += "（" + a.Period.From.Format(dangke.DateLayout) + "至" + a.Period.To.Format(dangke.DateLayout) + "）"
	}
	index.WriteString(indexHead(title, a.Now, len(lectures), len(files), formName))
	folders := map[string]bool{}
	thumbs := map[string]bool{}
	buf := make([]byte, 256<<10)
	for i := range lectures {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		l := &lectures[i]
		folder := safeName(fmt.Sprintf("%s %s《%s》", l.Date.Format(dangke.DateLayout), l.Speaker, l.Title))
		if folders[folder] {
			folder += " #" + strconv.FormatInt(l.ID, 10)
		}
		folders[folder] = true
		names := map[string]bool{"说明.txt": true}
		var cells []string
		var listed []string
		for _, f := range byLecture[l.ID] {
			name := uniqueName(safeName(f.Name), names)
			listed = append(listed, name)
			path := a.path(f)
			src, err := os.Open(path)
			if err != nil {
				st.Missing++
				cells = append(cells, `<span class="ph">文件缺失</span>`)
				continue
			}
			ew, err := entry(folder+"/"+name, !stored[f.Ext])
			if err == nil {
				_, err = io.CopyBuffer(ew, src, buf)
			}
			src.Close()
			if err != nil {
				return st, fmt.Errorf("report: archive: %s: %w", path, err)
			}
			st.Files++
			st.Bytes += f.Size
			href := escapePath(folder) + "/" + escapePath(name)
			thumb := a.thumb(f)
			if thumb == "" && f.Kind == dangke.KindImage && a.Media != nil {
				// No thumbnail made yet (the worker had not run): the page
				// shows the picture itself, scaled by the browser, rather
				// than the archive decoding thousands of photos.
				cells = append(cells, fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s" loading="lazy"></a>`, href, href, html.EscapeString(name)))
				continue
			}
			if thumb == "" {
				cells = append(cells, fmt.Sprintf(`<a href="%s" class="ph">%s<br>%s</a>`, href, kindLabel(f), html.EscapeString(name)))
				continue
			}
			tname := "缩略图/" + f.SHA256 + ".jpg"
			if !thumbs[f.SHA256] {
				if err := copyInto(entry, tname, thumb, buf); err != nil {
					cells = append(cells, fmt.Sprintf(`<a href="%s" class="ph">%s<br>%s</a>`, href, kindLabel(f), html.EscapeString(name)))
					continue
				}
				thumbs[f.SHA256] = true
			}
			cells = append(cells, fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s" loading="lazy"></a>`, href, escapePath("缩略图")+"/"+f.SHA256+".jpg", html.EscapeString(name)))
		}
		nw, err := entry(folder+"/说明.txt", true)
		if err != nil {
			return st, fmt.Errorf("report: archive: %w", err)
		}
		if _, err := io.WriteString(nw, describe(l, listed)); err != nil {
			return st, fmt.Errorf("report: archive: %w", err)
		}
		st.Lectures++
		index.WriteString(indexRow(l, folder, cells))
	}
	index.WriteString("</table>\n</body>\n</html>\n")
	iw, err := entry("index.html", true)
	if err == nil {
		_, err = io.WriteString(iw, index.String())
	}
	if err == nil {
		err = z.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return st, fmt.Errorf("report: archive: %w", err)
	}
	return st, nil
}

func (a *Archive) path(f dangke.LectureFile) string {
	if a.Media == nil {
		return ""
	}
	return a.Media.Path(f.SHA256, f.Ext)
}

func (a *Archive) thumb(f dangke.LectureFile) string {
	if a.Media == nil || f.Kind != dangke.KindImage {
		return ""
	}
	return a.Media.ThumbMade(f.SHA256, f.Ext)
}

// copyInto copies a file on disk into a new ZIP entry.
func copyInto(entry func(string, bool) (io.Writer, error), name, path string, buf []byte) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	w, err := entry(name, false)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(w, src, buf)
	return err
}

// safeName makes a name fit for a file in a ZIP opened on Windows: no
// folder separators, no characters Windows refuses, no leading dots.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.TrimLeft(s, ". ")
	if s == "" {
		return "_"
	}
	return s
}

// uniqueName returns name, or name (2).ext, … when taken, and takes it.
func uniqueName(name string, taken map[string]bool) string {
	out := name
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		ext = name[i:]
	}
	for n := 2; taken[out]; n++ {
		out = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), n, ext)
	}
	taken[out] = true
	return out
}

func escapePath(s string) string { return strings.ReplaceAll(url.PathEscape(s), "+", "%2B") }

func kindLabel(f dangke.LectureFile) string {
	switch f.Kind {
	case dangke.KindImage:
		return "照片（" + strings.ToUpper(strings.TrimPrefix(f.Ext, ".")) + "）"
	case dangke.KindVideo:
		return "视频"
	}
	return strings.ToUpper(strings.TrimPrefix(f.Ext, "."))
}

// describe is a lecture's 说明.txt: every field, the link, who logged it
// and when, and its files.
func describe(l *dangke.Lecture, files []string) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s：%s\r\n", k, v)
		}
	}
	line("编号", "#"+strconv.FormatInt(l.ID, 10))
	line("单位", l.UnitPath)
	line("讲课人", l.Speaker)
	line("职务", l.Position)
	if l.Leader {
		line("领导干部", "是")
	}
	line("题目", "《"+l.Title+"》")
	line("日期", l.Date.Format(dangke.DateLayout))
	line("听课人数", strconv.Itoa(l.Attendees))
	line("场所", l.Venue)
	line("形式", l.Form)
	if l.Minutes > 0 {
		line("时长", strconv.Itoa(l.Minutes)+" 分钟")
	}
	if l.Surveyed > 0 {
		line("满意度", fmt.Sprintf("%d/%d", l.Satisfied, l.Surveyed))
	}
	line("链接", l.Link)
	line("登记人", l.Author)
	line("登记群", l.Chat)
	line("登记时间", l.CreatedAt.In(l.Date.Location()).Format("2006-01-02 15:04"))
	if len(files) > 0 {
		line("附件", strings.Join(files, "、"))
	}
	return b.String()
}

func indexHead(title string, now time.Time, lectures, files int, form string) string {
	t := html.EscapeString(title)
	return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + t + `</title>
<style>
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;color:#b71c1c}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
th{background:#fbe9e7}
img{max-width:160px;max-height:120px;margin:2px;border:1px solid #ddd}
.ph{display:inline-block;width:150px;min-height:60px;margin:2px;padding:.4em;background:#eee;color:#555;font-size:.85em;text-decoration:none;word-break:break-all}
</style>
</head>
<body>
<h1>` + t + `</h1>
<p>共 ` + strconv.Itoa(lectures) + ` 次微党课，` + strconv.Itoa(files) + ` 个附件；生成于 ` + now.Format("2006-01-02 15:04") +
		`。统计表：<a href="` + escapePath(form) + `">` + html.EscapeString(form) + `</a>。点缩略图打开原件，点题目打开该次党课的文件夹。</p>
<table>
<tr><th>日期</th><th>单位</th><th>讲课人</th><th>题目</th><th>听课</th><th>链接</th><th>照片与文件</th></tr>
`
}

func indexRow(l *dangke.Lecture, folder string, cells []string) string {
	link := ""
	if l.Link != "" {
		link = `<a href="` + html.EscapeString(l.Link) + `">视频链接</a>`
	}
	return "<tr><td>" + l.Date.Format(dangke.DateLayout) + "</td><td>" + html.EscapeString(l.UnitPath) + "</td><td>" +
		html.EscapeString(l.Speaker) + "</td><td><a href=\"" + escapePath(folder) + "/" + escapePath("说明.txt") + "\">《" +
		html.EscapeString(l.Title) + "》</a></td><td>" + strconv.Itoa(l.Attendees) + "</td><td>" + link + "</td><td>" +
		strings.Join(cells, "") + "</td></tr>\n"
}
