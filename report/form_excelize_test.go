package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeXLSXExcelize is how WriteXLSX wrote a form before it wrote the
// worksheet itself: every part through excelize and its StreamWriter. The
// tests hold the new writer to it, cell for cell.
func (f *Form) writeXLSXExcelize(w io.Writer) error {
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
	// The page layout first: the stream writer keeps it.
	fitToPage := true // scale the table to the page's width (fit_to_width 1, height free)
	if err := x.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fitToPage}); err != nil {
		return err
	}
	a4, portrait, fit, tall := 9, "portrait", 1, 0
	if err := x.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &portrait, FitToWidth: &fit, FitToHeight: &tall}); err != nil {
		return err
	}
	if err := x.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, rowHeader, rowHeader)}); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, c := range f.Columns {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	cols := len(f.Columns)
	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	// row writes one row: cells (nil where empty) and its height (0: default).
	row := func(r int, cells []any, height float64) error {
		var opts []excelize.RowOpts
		if height > 0 {
			opts = append(opts, excelize.RowOpts{Height: height})
		}
		return sw.SetRow(cell(1, r), cells, opts...)
	}
	// across is a row's first cell holding v, the others only styled:
	// what a merged row shows.
	across := func(v any, style int) []any {
		cells := make([]any, cols)
		cells[0] = excelize.Cell{StyleID: style, Value: v}
		for c := 1; c < cols; c++ {
			cells[c] = excelize.Cell{StyleID: style}
		}
		return cells
	}
	merge := func(r, from, to int) error { return sw.MergeCell(cell(from, r), cell(to, r)) }
	half := max(1, cols/2)
	line := make([]any, max(cols, half+1))
	line[0] = excelize.Cell{StyleID: st.left, Value: f.Left}
	line[half] = excelize.Cell{StyleID: st.right, Value: f.Right}
	header := make([]any, cols)
	for i, c := range f.Columns {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.Name}
	}
	steps := []func() error{
		func() error { return row(rowMark, []any{excelize.Cell{StyleID: st.mark, Value: f.Sheet}}, 0) },
		func() error {
			cells := make([]any, cols)
			cells[0] = excelize.Cell{StyleID: st.title, Value: f.Title}
			return row(rowTitle, cells, 36)
		},
		func() error { return merge(rowTitle, 1, cols) },
		func() error { return row(rowLine, line, 0) },
		func() error { return merge(rowLine, 1, half) },
		func() error { return merge(rowLine, half+1, cols) },
		func() error { return row(rowHeader, header, 24) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("report: %s: %w", f.Sheet, err)
		}
	}
	cells := make([]any, cols)
	data := func(r int, values []string) error {
		for c, col := range f.Columns {
			v := ""
			if c < len(values) {
				v = values[c]
			}
			// Numbers and dates as numbers with their format; the rest as
			// text cells (never formulas), so that phone numbers print as
			// typed and nothing typed is evaluated.
			var value any = v
			style := st.body
			if num, ok := cellNumber(col.Format, v); ok {
				value, style = num, formats[col.Format]
			}
			cells[c] = excelize.Cell{StyleID: style, Value: value}
		}
		return row(rowData+r, cells, f.rowHeight(values))
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
		if err := row(below, across(f.Footer, st.footer), 30); err != nil {
			return err
		}
		if err := merge(below, 1, cols); err != nil {
			return err
		}
		below++
	}
	for i, note := range f.Notes {
		cells := make([]any, cols)
		cells[0] = excelize.Cell{StyleID: st.left, Value: note}
		if err := row(below+i, cells, 0); err != nil {
			return err
		}
		if err := merge(below+i, 1, cols); err != nil {
			return err
		}
	}
	below += len(f.Notes)
	if len(f.Extra) > 0 {
		start := below + 1
		for r, extra := range f.Extra {
			style := st.body
			if r == 0 {
				style = st.header
			}
			cells := make([]any, len(extra))
			for c, v := range extra {
				cells[c] = excelize.Cell{StyleID: style, Value: v}
			}
			if err := row(start+r, cells, 0); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("report: write %s: %w", f.Sheet, err)
	}
	if err := x.Write(w); err != nil {
		return fmt.Errorf("report: write %s: %w", f.Sheet, err)
	}
	return nil
}

// sameWorkbook fails t unless the workbooks a and b (the new writer's and
// the old's) read the same through excelize: every cell's value, type and
// style, the merged cells, row heights, column widths, page layout, sheet
// properties and defined names.
func sameWorkbook(t testing.TB, name string, a, b []byte) {
	t.Helper()
	xa, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("%s: new: %v", name, err)
	}
	defer xa.Close()
	xb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: old: %v", name, err)
	}
	defer xb.Close()
	if sa, sb := xa.GetSheetList(), xb.GetSheetList(); !slices.Equal(sa, sb) || len(sa) != 1 {
		t.Fatalf("%s: sheets %v, want %v", name, sa, sb)
	}
	sheet := xa.GetSheetList()[0]
	ra, err := xa.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := xb.GetRows(sheet, excelize.Options{RawCellValue: true})
	if len(ra) != len(rb) {
		t.Errorf("%s: %d rows, want %d", name, len(ra), len(rb))
	}
	cols := 0
	for _, r := range rb {
		cols = max(cols, len(r))
	}
	for r := 1; r <= max(len(ra), len(rb)); r++ {
		ha, _ := xa.GetRowHeight(sheet, r)
		hb, _ := xb.GetRowHeight(sheet, r)
		if ha != hb {
			t.Errorf("%s: row %d height %v, want %v", name, r, ha, hb)
		}
		for c := 1; c <= cols+1; c++ {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			va, _ := xa.GetCellValue(sheet, cell)
			vb, _ := xb.GetCellValue(sheet, cell)
			ta, _ := xa.GetCellType(sheet, cell)
			tb, _ := xb.GetCellType(sheet, cell)
			sa, _ := xa.GetCellStyle(sheet, cell)
			sb, _ := xb.GetCellStyle(sheet, cell)
			fa, _ := xa.GetCellFormula(sheet, cell)
			if va != vb || ta != tb || sa != sb || fa != "" {
				t.Errorf("%s: %s = %q type %v style %d formula %q, want %q type %v style %d", name, cell, va, ta, sa, fa, vb, tb, sb)
			}
		}
	}
	for c := 1; c <= cols+1; c++ {
		col, _ := excelize.ColumnNumberToName(c)
		wa, _ := xa.GetColWidth(sheet, col)
		wb, _ := xb.GetColWidth(sheet, col)
		if wa != wb {
			t.Errorf("%s: column %s width %v, want %v", name, col, wa, wb)
		}
	}
	ma, _ := xa.GetMergeCells(sheet)
	mb, _ := xb.GetMergeCells(sheet)
	spans := func(ms []excelize.MergeCell) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.GetStartAxis()+":"+m.GetEndAxis()+"="+m.GetCellValue())
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(spans(ma), spans(mb)) {
		t.Errorf("%s: merged %v, want %v", name, spans(ma), spans(mb))
	}
	la, _ := xa.GetPageLayout(sheet)
	lb, _ := xb.GetPageLayout(sheet)
	if !reflect.DeepEqual(la, lb) {
		t.Errorf("%s: page layout %s, want %s", name, dump(la), dump(lb))
	}
	pa, _ := xa.GetSheetProps(sheet)
	pb, _ := xb.GetSheetProps(sheet)
	if !reflect.DeepEqual(pa.FitToPage, pb.FitToPage) {
		t.Errorf("%s: fit to page %s, want %s", name, dump(pa.FitToPage), dump(pb.FitToPage))
	}
	if da, db := xa.GetDefinedName(), xb.GetDefinedName(); !reflect.DeepEqual(da, db) {
		t.Errorf("%s: defined names %+v, want %+v", name, da, db)
	}
	for id := 0; id < 16; id++ {
		sa, ea := xa.GetStyle(id)
		sb, eb := xb.GetStyle(id)
		if (ea == nil) != (eb == nil) || !reflect.DeepEqual(sa, sb) {
			t.Errorf("%s: style %d %s, want %s", name, id, dump(sa), dump(sb))
		}
	}
}

func dump(v any) string { b, _ := json.Marshal(v); return string(b) }

// SameAsExcelize writes f both ways and compares the workbooks.
func SameAsExcelize(t testing.TB, name string, f *Form) {
	t.Helper()
	var a, b bytes.Buffer
	if err := f.WriteXLSX(&a); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := f.writeXLSXExcelize(&b); err != nil {
		t.Fatalf("%s: old: %v", name, err)
	}
	sameWorkbook(t, name, a.Bytes(), b.Bytes())
}

// A form with every kind of cell — text that looks like a number, a
// formula or markup, control characters, emoji, broken UTF-8, numbers that
// are not, blank rows, the footer, notes and an extra table, and streamed
// rows after the held ones — reads the same from both writers.
func TestWriteXLSXSameAsExcelize(t *testing.T) {
	rows := [][]string{
		{"张三", "=SUM(A1:A2)", "2019-07-01", "40", "9.25", "13800138000"},
		{" 李四 ", "+1", "2019-13-01", "4O", "9.2.5", "0371-1234567"},
		{"王<五>&\"'", "-2", "", "", "", ""},
		{"a\tb\nc\rd", "\x01\x08\x1f", "1900-03-01", "0", "0.00", "😀"},
		{"bad\xffutf8", "\uFFFD", "2019-07-01x", "007", "1e3", "@"},
		{"短"},
		{},
		{strings.Repeat("很长的题目", 40), strings.Repeat("x", 300), "2020-02-29", "99999999999", "-0", "NaN"},
	}
	streamed := [][]string{{"流", "式", "2019-09-30", "12", "10", ""}, {"第二行"}}
	f := &Form{Sheet: "附件1", Title: "标题", Left: "报送单位（盖章）：温县", Right: "报送日期：2019年9月28日",
		Columns: []Column{{"姓名", 12, ""}, {"职务", 16, ""}, {"日期", 13, FormatDate}, {"人数", 9, FormatCount},
			{"得分", 8, FormatScore}, {"手机", 14, ""}},
		Rows: rows, Footer: "共计 3 次。", Notes: []string{"注一", "注二"}, MinRows: 12,
		Extra: [][]string{{"表头一", "表头二"}, {"1", "=2"}}}
	f.Stream = func(fn func([]string) error) error {
		for _, r := range streamed {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	SameAsExcelize(t, "full", f)
	if f.Written != len(rows)+len(streamed) {
		t.Errorf("written %d", f.Written)
	}
	for _, cols := range [][]Column{{{"一", 10, ""}}, {{"一", 10, ""}, {"二", 10, FormatCount}}} {
		SameAsExcelize(t, "narrow", &Form{Sheet: "附件2", Title: "t", Left: "l", Right: "r", Columns: cols})
	}
}

// A cell over Excel's limit fails the form instead of writing a file no
// program opens.
func TestWriteXLSXCellTooLong(t *testing.T) {
	f := &Form{Sheet: "附件1", Columns: []Column{{"题目", 10, ""}}, Rows: [][]string{{strings.Repeat("长", maxCellChars+1)}}}
	if err := f.WriteXLSX(io.Discard); err == nil || !strings.Contains(err.Error(), "A5") {
		t.Fatalf("err = %v", err)
	}
}
