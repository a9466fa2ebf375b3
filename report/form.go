package report

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"dangke"
)

// Column is one column of a form, with its printed width in characters
// and, for numbers and dates, the number format of its cells.
type Column struct {
	Name   string
	Width  float64
	Format string // "" text; FormatCount, FormatScore or FormatDate
}

// Number formats of a column's cells. A cell of such a column whose text
// reads as a number (a date as 2019-07-01) is written as a number, so that
// SUM and date arithmetic work; anything else stays text.
const (
	FormatCount = "0"
	FormatScore = "0.00"
	FormatDate  = "yyyy-mm-dd"
)

// Form is an official form: what the printed page shows, top to bottom.
type Form struct {
	Sheet   string // the sheet's name: 附件1
	Title   string
	Left    string // the line under the title, left: 报送单位（盖章）：温县
	Right   string // and right: 报送日期：11月28日
	Columns []Column
	Rows    [][]string
	Footer  string     // a sentence below the table, or ""
	Notes   []string   // lines below the footer, outside the table: what the signer should check
	MinRows int        // blank rows printed when there is less data, as on the paper form
	Extra   [][]string // a second table printed below the footer (first row its header), or nil

	// Stream, when set, gives the data rows after Rows one at a time, as
	// the form is written: 附件1 of a province streams its lectures from
	// the store instead of holding them. fn's row is only valid during
	// the call.
	Stream func(fn func(row []string) error) error
	// Written counts the data rows the last WriteXLSX or WriteCSV wrote.
	Written int
}

// RowCount is how many data rows the form has: Rows, and the streamed
// rows once the form has been written.
func (f *Form) RowCount() int {
	if f.Stream != nil {
		return f.Written
	}
	return len(f.Rows)
}

// each calls fn with every data row: Rows, then Stream's.
func (f *Form) each(fn func(row []string) error) error {
	f.Written = 0
	for _, r := range f.Rows {
		f.Written++
		if err := fn(r); err != nil {
			return err
		}
	}
	if f.Stream == nil {
		return nil
	}
	return f.Stream(func(r []string) error {
		f.Written++
		return fn(r)
	})
}

// Rows of the laid-out sheet: the attachment mark, the title, the line
// under it, the column header, then the data.
const (
	rowMark   = 1
	rowTitle  = 2
	rowLine   = 3
	rowHeader = 4
	rowData   = 5
)

// XLSX lays the form out for printing on A4 portrait: the title merged
// across the columns, every cell of the table bordered, widths that fit
// Chinese text, and the column header repeated on every printed page. The
// sheet is written row by row through excelize's StreamWriter, so a form
// of a hundred thousand lectures never holds the sheet's cells in memory.
func (f *Form) XLSX() ([]byte, error) {
	var buf bytes.Buffer
	if err := f.WriteXLSX(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteXLSX writes XLSX's file to w. excelize makes the workbook's styles,
// print titles and other parts; the worksheet is written row by row into
// the zip (see writeBook), so memory stays flat however many rows stream.
func (f *Form) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := f.Sheet
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(x)
	if err != nil {
		return err
	}
	formats := map[string]int{}
	for _, c := range f.Columns {
		if _, ok := formats[c.Format]; c.Format != "" && !ok {
			format := c.Format
			id, err := x.NewStyle(&excelize.Style{Font: st.bodyFont, Border: st.border, CustomNumFmt: &format,
				Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
			if err != nil {
				return err
			}
			formats[c.Format] = id
		}
	}
	// The column header repeats on every printed page.
	if err := x.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, rowHeader, rowHeader)}); err != nil {
		return err
	}
	err = writeBook(w, x, func(out io.Writer) error { return f.writeSheet(out, st, formats) })
	if err != nil {
		return fmt.Errorf("report: write %s: %w", sheet, err)
	}
	return nil
}

// writeSheet writes the form's worksheet: the mark, the title merged
// across the columns, the line under it, the column header, the data rows
// as they stream, the footer, the notes and the extra table.
func (f *Form) writeSheet(out io.Writer, st styles, formats map[string]int) error {
	widths := make([]float64, len(f.Columns))
	for i, c := range f.Columns {
		widths[i] = c.Width
	}
	sw := newSheetWriter(out, widths)
	cols := len(f.Columns)
	// across is a row's first cell holding v, the others only styled:
	// what a merged row shows.
	across := func(v any, style int) []sheetCell {
		cells := make([]sheetCell, cols)
		for c := range cells {
			cells[c].style = style
		}
		cells[0].value = v
		return cells
	}
	half := max(1, cols/2)
	line := make([]sheetCell, max(cols, half+1))
	line[0] = sheetCell{st.left, f.Left}
	line[half] = sheetCell{st.right, f.Right}
	header := make([]sheetCell, cols)
	for i, c := range f.Columns {
		header[i] = sheetCell{st.header, c.Name}
	}
	title := make([]sheetCell, cols)
	title[0] = sheetCell{st.title, f.Title}
	sw.row(rowMark, []sheetCell{{st.mark, f.Sheet}}, 0)
	sw.row(rowTitle, title, 36)
	sw.merge(rowTitle, 1, cols)
	sw.row(rowLine, line, 0)
	sw.merge(rowLine, 1, half)
	sw.merge(rowLine, half+1, cols)
	sw.row(rowHeader, header, 24)
	cells := make([]sheetCell, cols)
	data := func(r int, values []string) error {
		for c, col := range f.Columns {
			v := ""
			if c < len(values) {
				v = values[c]
			}
			// Numbers and dates as numbers with their format; the rest as
			// text cells (never formulas), so that phone numbers print as
			// typed and nothing typed is evaluated.
			cells[c] = sheetCell{st.body, v}
			if num, ok := cellNumber(col.Format, v); ok {
				cells[c] = sheetCell{formats[col.Format], num}
			}
		}
		sw.row(rowData+r, cells, f.rowHeight(values))
		return sw.err
	}
	n := 0
	if err := f.each(func(values []string) error { n++; return data(n-1, values) }); err != nil {
		return err
	}
	for ; n < f.MinRows; n++ { // blank rows, as on the paper form
		if err := data(n, nil); err != nil {
			return err
		}
	}
	below := rowData + n // the first row after the table and its footer
	if f.Footer != "" {
		sw.row(below, across(f.Footer, st.footer), 30)
		sw.merge(below, 1, cols)
		below++
	}
	for i, note := range f.Notes {
		row := make([]sheetCell, cols)
		row[0] = sheetCell{st.left, note}
		sw.row(below+i, row, 0)
		sw.merge(below+i, 1, cols)
	}
	below += len(f.Notes)
	if len(f.Extra) > 0 {
		start := below + 1
		for r, extra := range f.Extra {
			style := st.body
			if r == 0 {
				style = st.header
			}
			row := make([]sheetCell, len(extra))
			for c, v := range extra {
				row[c] = sheetCell{style, v}
			}
			sw.row(start+r, row, 0)
		}
	}
	return sw.close()
}

// maxRowHeight is the tallest row a spreadsheet holds, in points.
const maxRowHeight = 409

// rowHeight gives a data row room for its longest wrapped cell, up to
// maxRowHeight: a Chinese
// character takes about two units of column width, a Latin one about one.
func (f *Form) rowHeight(values []string) float64 {
	lines := 1
	for c, v := range values {
		if c >= len(f.Columns) {
			continue
		}
		units := 0.0
		for _, ch := range v {
			units++
			if ch >= utf8.RuneSelf {
				units += 1.1
			}
		}
		lines = max(lines, int(math.Ceil(units/(f.Columns[c].Width-1))))
	}
	return min(float64(8+15*lines), maxRowHeight)
}

// CSV writes the form's table as CSV, UTF-8 with a byte-order mark so that
// Excel opens it: the column header, then the rows. No cell is read as a
// formula (see SafeCSV).
func (f *Form) CSV() ([]byte, error) {
	var buf bytes.Buffer
	if err := f.WriteCSV(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteCSV writes CSV's file to w, row by row.
func (f *Form) WriteCSV(out io.Writer) error {
	bw := bufio.NewWriter(out)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	w := SafeCSV(bw)
	head := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		head[i] = c.Name
	}
	if err := w.Write(head); err != nil {
		return err
	}
	if err := f.each(w.Write); err != nil {
		return fmt.Errorf("report: csv %s: %w", f.Sheet, err)
	}
	if len(f.Extra) > 0 {
		if err := w.WriteAll(append([][]string{nil}, f.Extra...)); err != nil {
			return fmt.Errorf("report: csv %s: %w", f.Sheet, err)
		}
	}
	// The footer sentence and the notes, as on the printed form.
	var below [][]string
	if f.Footer != "" {
		below = append(below, nil, []string{f.Footer})
	}
	for _, n := range f.Notes {
		below = append(below, []string{n})
	}
	if err := w.WriteAll(below); err != nil {
		return fmt.Errorf("report: csv %s: %w", f.Sheet, err)
	}
	if err := w.Error(); err != nil {
		return fmt.Errorf("report: csv %s: %w", f.Sheet, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: csv %s: %w", f.Sheet, err)
	}
	return nil
}

// cellNumber reads a cell of a numeric column as the number to store: a
// date as Excel's day number (the sheet's 1900 date system), a count or a
// score as itself. It reports false for text.
func cellNumber(format, v string) (any, bool) {
	switch format {
	case "":
		return nil, false
	}
	if v == "" || v[0] < '0' || v[0] > '9' { // no sign, no space: only what the bot itself writes
		return nil, false
	}
	switch format {
	case FormatDate:
		d, err := time.Parse(dangke.DateLayout, v)
		if err != nil {
			return nil, false
		}
		// Day 25569 is 1970-01-01; the 1900 system counts a 29 February
		// 1900 that never was, which every date after it includes.
		return 25569 + int(d.Unix()/86400), true
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	if x, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
		return x, true
	}
	return nil, false
}

type styles struct {
	mark, title, left, right, header, body, footer int
	bodyFont                                       *excelize.Font
	border                                         []excelize.Border
}

func newStyles(x *excelize.File) (styles, error) {
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	font := func(size float64, bold bool) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: size, Bold: bold}
	}
	s := styles{bodyFont: font(11, false), border: border}
	for _, d := range []struct {
		dst   *int
		style excelize.Style
	}{
		{&s.mark, excelize.Style{Font: font(12, true)}},
		{&s.title, excelize.Style{Font: &excelize.Font{Family: "方正小标宋简体", Size: 18, Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.left, excelize.Style{Font: font(12, false), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}},
		{&s.right, excelize.Style{Font: font(12, false), Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}}},
		{&s.header, excelize.Style{Font: font(12, true), Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.body, excelize.Style{Font: font(11, false), Border: border, NumFmt: 49, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.footer, excelize.Style{Font: font(12, false), Border: border, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}}},
	} {
		id, err := x.NewStyle(&d.style)
		if err != nil {
			return s, err
		}
		*d.dst = id
	}
	return s, nil
}

// monthDay prints a date as the forms' 报送日期 does: 2019年11月28日.
func monthDay(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// periodTitle names a period in a form's title: （2019年7月1日至2019年7月31日）,
// or "" for the whole campaign.
func periodTitle(p dangke.Period) string {
	if p.IsZero() {
		return ""
	}
	return "（" + monthDay(p.From) + "至" + monthDay(p.To) + "）"
}

// Form1 builds 附件1 for a unit's subtree (nil: the whole city) over a
// period, with the footer's figures from the store's Figures — the same as
// /统计 shows. campaign names the campaign in the title (the notice's:
// “我和我的祖国”微型党课系列活动); a period other than the whole campaign is
// named under it, so that two periods' forms cannot be mistaken.
func Form1(ctx context.Context, st dangke.Reader, city, campaign string, unit *dangke.Unit, p dangke.Period, day time.Time) (*Form, error) {
	if campaign == "" {
		campaign = "“我和我的祖国”微型党课系列活动"
	}
	var id int64
	name := city
	if unit != nil {
		id, name = unit.ID, unit.FullName()
	}
	fig, err := st.Figures(ctx, id, p)
	if err != nil {
		return nil, err
	}
	f := &Form{
		Sheet: "附件1", Title: city + campaign + "统计表" + periodTitle(p),
		Left: "报送单位（盖章）：" + name, Right: "报送日期：" + monthDay(day),
		Columns: []Column{{"讲课人姓名", 12, ""}, {"职  务", 16, ""}, {"微党课题目", 36, ""}, {"讲课日期", 13, FormatDate}, {"听课人数", 9, FormatCount}},
		MinRows: 10,
	}
	// The lectures are read while the form is written, one at a time.
	f.Stream = func(fn func(row []string) error) error {
		row := make([]string, 5)
		return st.EachLectureIn(ctx, id, p, func(l dangke.Lecture) error {
			row[0], row[1], row[2], row[3], row[4] = l.Speaker, l.Position, l.Title, l.Date.Format(dangke.DateLayout), strconv.Itoa(l.Attendees)
			return fn(row)
		})
	}
	f.Footer = Footer(fig)
	scope := ""
	if unit != nil {
		scope = unit.Path
	}
	f.Notes = Notes(fig, scope)
	return f, nil
}

// Footer is the sentence under 附件1's table. A figure that cannot be
// computed reads as a dash and why, never as a number or a stray %.
func Footer(f dangke.Figures) string {
	cover, ok := f.Coverage()
	switch {
	case ok:
		cover = " " + cover + "%"
	case f.Over.N > 0:
		cover = "—（党员数待核对）"
	default:
		cover = "—（党员数未设置）"
	}
	satisfied, ok := f.Satisfaction()
	if ok {
		satisfied = " " + satisfied + "%"
	} else {
		satisfied = "—（未开展测评）"
	}
	return fmt.Sprintf("我单位党员上台讲微党课共计 %d 次，占党员总数的%s，党员满意率为%s。",
		f.Lectures, cover, satisfied)
}

// Notes are the lines printed next to 附件1's footer (not in its sentence):
// the units left out of the share of members, for the signer to check.
func Notes(f dangke.Figures, scope string) []string {
	var out []string
	for _, line := range f.Doubts(scope) {
		out = append(out, "注："+line+"。")
	}
	return out
}

// Form2 builds 附件2, a county's lecturer pool, with full phone numbers:
// callers check that the reader is entitled to them.
func Form2(ctx context.Context, st dangke.Reader, city string, county *dangke.Unit) (*Form, error) {
	list, err := st.Instructors(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	f := &Form{
		Sheet: "附件2", Title: city + "微型党课宣讲员师资库统计表",
		Left:    "县市区（盖章）：" + county.Name,
		Columns: []Column{{"姓  名", 10, ""}, {"性别", 6, ""}, {"出生年月", 11, ""}, {"单  位", 26, ""}, {"职  务", 18, ""}, {"手机号", 15, ""}},
		MinRows: 12,
	}
	for _, in := range list {
		f.Rows = append(f.Rows, []string{in.Name, in.Gender, in.Birth(), in.Workplace, in.Position, in.Phone})
	}
	return f, nil
}
