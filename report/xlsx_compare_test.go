package report

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// readRows reads every row of a source, the cells copied.
type readRow struct {
	n     int
	cells []Cell
}

func readAll(t testing.TB, each func(fn func(n int, row []Cell) error) error) []readRow {
	t.Helper()
	var out []readRow
	if err := each(func(n int, row []Cell) error {
		out = append(out, readRow{n, append([]Cell(nil), row...)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareReaders reads a file with the new reader and with excelize (the
// reader before it), and fails on the first cell they read differently.
func compareReaders(t *testing.T, path string) []readRow {
	t.Helper()
	old, err := openLegacy(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	want := readAll(t, old.each)
	f, err := OpenFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := readAll(t, f.Each)
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
			var g, w any = "none", "none"
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			t.Fatalf("%s: row %d\n got %+v\nwant %+v", filepath.Base(path), i+1, g, w)
		}
	}
	// And a second pass reads the same.
	if again := readAll(t, f.Each); !reflect.DeepEqual(again, got) {
		t.Fatal("a second pass read differently")
	}
	return got
}

// A workbook saved by excelize as an office suite saves one: shared
// strings (rich text among them), numbers in every built-in number format
// and in custom ones, dates, booleans, formulas, merged cells, cells and
// rows left out, entities and escapes, a 1904 date system.
func TestXLSXReaderMatchesExcelize(t *testing.T) {
	for _, d1904 := range []bool{false, true} {
		f := excelize.NewFile()
		sh := "Sheet1"
		set := func(cell string, v any) {
			t.Helper()
			if err := f.SetCellValue(sh, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		set("A1", "姓名")
		set("B1", "  前后有空格  ")
		set("C1", "a & b < c > d \"e\" 'f'")
		set("D1", "line1\r\nline2\rline3\n")
		set("F1", "_x000D_ and _x005F_x0041_ and _xD800_ and _x4E2D_")
		set("H1", true)
		set("I1", false)
		set("A3", 13812345678)
		set("B3", 1983.1)
		set("C3", 1983.0999999999999)
		set("D3", -0.5)
		set("E3", 1.5e300)
		set("F3", "13812345678")
		if err := f.SetCellFormula(sh, "G3", "A3+1"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellFormula(sh, "H3", `"x"&"y"`); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellRichText(sh, "A4", []excelize.RichTextRun{{Text: "富"}, {Text: "文本", Font: &excelize.Font{Bold: true}}, {Text: " runs "}}); err != nil {
			t.Fatal(err)
		}
		if err := f.MergeCell(sh, "B4", "D5"); err != nil {
			t.Fatal(err)
		}
		set("B4", "合并")
		// Every number format id, built in or not, on a date and a number.
		codes := []string{"yyyy-mm-dd", "mmm-yy", "0.00", "#,##0.000;(#,##0.000)", "0.0;0.00", "0;0", "[h]:mm", "[$-804]yyyy\"年\"m\"月\"", "@", "0%", "\"元\"0.00", "# ?/?", "hh:mm:ss", "yyyy.mm", "0.00E+00", "m/d", "General"}
		row := 10
		for id := 0; id < 200; id++ {
			st, err := f.NewStyle(&excelize.Style{NumFmt: id})
			if err != nil {
				continue
			}
			for j, v := range []any{30000.25, 1983.1, 42} {
				cell, _ := excelize.CoordinatesToCellName(j+1, row)
				set(cell, v)
				if err := f.SetCellStyle(sh, cell, cell, st); err != nil {
					t.Fatal(err)
				}
			}
			row++
		}
		for _, code := range codes {
			st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range []any{30000.25, 1983.1, 42, "文本"} {
				cell, _ := excelize.CoordinatesToCellName(j+1, row)
				set(cell, v)
				if err := f.SetCellStyle(sh, cell, cell, st); err != nil {
					t.Fatal(err)
				}
			}
			row++
		}
		// A styled empty cell, a gap of rows, a far column.
		st, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		_ = f.SetCellStyle(sh, "C300", "E300", st)
		set("A305", "after a gap")
		set("AB305", "far")
		set("XFD306", "last column")
		if d1904 {
			yes := true
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("book-%v.xlsx", d1904))
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		rows := compareReaders(t, path)
		if len(rows) < 300 {
			t.Fatalf("%d rows", len(rows))
		}
		// What the import relies on, stated: a rich text cell joins its
		// runs; a date cell is a date; 1983.1 shown with 2 decimals.
		if got := rows[3].cells[0].Text; got != "富文本 runs" {
			t.Fatalf("rich text %q", got)
		}
	}
}

// A stream-written sheet (inline strings, as large files are saved) reads
// the same through both readers.
func TestXLSXReaderMatchesExcelizeStream(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	two, _ := f.NewStyle(&excelize.Style{NumFmt: 2})
	for r := 1; r <= 2000; r++ {
		cells := []any{fmt.Sprintf("宣讲员%d", r), "女", excelize.Cell{StyleID: date, Value: 30000 + r}, "温县一中 & <二中>",
			excelize.Cell{StyleID: two, Value: 1983.1}, fmt.Sprintf("13%09d", r), nil, " 尾 "}
		if r%7 == 0 {
			cells[2] = nil
		}
		if r%11 == 0 { // a row left out
			continue
		}
		if err := sw.SetRow("A"+strconv.Itoa(r), cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stream.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	compareReaders(t, path)
}

// rawXLSX writes a workbook from its parts' XML, for what excelize does not
// write: prefixed names, rows and cells without numbers, phonetic runs,
// CDATA, comments, types str, e and d.
func rawXLSX(t testing.TB, dir, sheet, sst, styles string) string {
	t.Helper()
	return streamXLSX(t, dir, func(w io.Writer) { io.WriteString(w, sheet) }, func(w io.Writer) { io.WriteString(w, sst) }, styles)
}

// streamXLSX writes a workbook whose sheet and shared strings are written
// by functions, straight into the file.
func streamXLSX(t testing.TB, dir string, sheet, sst func(io.Writer), styles string) string {
	t.Helper()
	path := filepath.Join(dir, "raw.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := bufio.NewWriterSize(out, 1<<20)
	z := zip.NewWriter(buf)
	put := func(name string, write func(io.Writer)) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		write(bw)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	put("[Content_Types].xml", str(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`))
	put("_rels/.rels", str(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	put("xl/workbook.xml", str(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	put("xl/_rels/workbook.xml.rels", str(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`))
	put("xl/styles.xml", str(styles))
	put("xl/sharedStrings.xml", sst)
	put("xl/worksheets/sheet1.xml", sheet)
	if err := errors.Join(z.Close(), buf.Flush(), out.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

const rawStyles = `<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/><numFmt numFmtId="177" formatCode="0.00_);[Red]\(0.00\)"/></numFmts>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="177"/><xf/></cellXfs></styleSheet>`

func TestXLSXReaderMatchesExcelizeRaw(t *testing.T) {
	sst := `<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
<si><t>姓名</t></si>
<si><t xml:space="preserve"> 带空格 </t></si>
<si><r><rPr><b/></rPr><t>富</t></r><r><t>文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh><phoneticPr fontId="1"/></si>
<si><t><![CDATA[<原样> & 文本]]></t><!-- a comment --></si>
<si><t/></si>
<si><t>&#x4E2D;&#25991;&amp;&lt;&gt;&quot;&apos;</t></si>
</sst>`
	sheet := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v> 1 </x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c><x:c r="E1" t="s"><x:v>4</x:v></x:c><x:c r="F1" t="s"><x:v>5</x:v></x:c></x:row>
<x:row><x:c><x:v>1983.1</x:v></x:c><x:c s="1"><x:v>30000</x:v></x:c><x:c s="2"><x:v>30000.5</x:v></x:c><x:c s="3"><x:v>1983.1</x:v></x:c><x:c s="4"><x:v>7</x:v></x:c><x:c s="99"><x:v>7</x:v></x:c></x:row>
<x:row r="4" spans="1:6"><x:c r="B4" t="str"><x:f>A1</x:f><x:v>姓名</x:v></x:c><x:c r="C4" t="e"><x:v>#N/A</x:v></x:c><x:c r="D4" t="d"><x:v>2019-07-01T00:00:00</x:v></x:c><x:c r="E4" t="b"><x:v>1</x:v></x:c><x:c r="F4"><x:f>1+1</x:f></x:c></x:row>
<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:r><x:t>内</x:t></x:r><x:r><x:t xml:space="preserve">联 </x:t></x:r><x:rPh><x:t>x</x:t></x:rPh></x:is></x:c><x:c r="C5" t="inlineStr"><x:is><x:t>_x0041_B</x:t></x:is></x:c><x:c r="D5" s="1"/><x:c r="E5" t="s"><x:v>99</x:v></x:c><x:c r="F5" t="n"><x:v>  12  </x:v></x:c></x:row>
<x:row r="6"/>
<x:row r="8"><x:c r="C8"><x:v>1e3</x:v></x:c><x:c><x:v>abc</x:v></x:c><x:c t="s"><x:v>x</x:v></x:c></x:row>
<x:row r="9">
  <x:c r="A9" t="inlineStr"><x:is><x:t>a&#13;&#10;b
c</x:t></x:is></x:c>
</x:row>
</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A5:B5"/></x:mergeCells></x:worksheet>`
	path := rawXLSX(t, t.TempDir(), sheet, sst, rawStyles)
	rows := compareReaders(t, path)
	if got := rows[0].cells[2].Text; got != "富文本" {
		t.Fatalf("rich text %q", got)
	}
	if got := rows[4].cells[0].Text; got != "内联" {
		t.Fatalf("inline %q", got)
	}
}

// A generated lecturer pool, as the import benchmark writes it, reads the
// same through both readers; and its shared string table (a number a row,
// as an office suite saves a file) costs its bytes and an offset each.
func TestXLSXSharedStringsCompact(t *testing.T) {
	const n = 20000
	path := writeSSTPool(t, t.TempDir(), n)
	compareReaders(t, path)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := OpenFile(path, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	text := len(f.wb.sst.all)
	if f.wb.sst.len() < n || held > int64(text)*2+int64(f.wb.sst.len())*4+1<<20 {
		t.Fatalf("%d strings, %d bytes of text: %d bytes held", f.wb.sst.len(), text, held)
	}
	runtime.KeepAlive(f)
	_ = f.Close()
}

// writeSSTPool writes a lecturer pool of n rows with every string shared,
// 出生年月 a date cell, as a spreadsheet program saves it: the phones make
// n+111 strings.
func writeSSTPool(t testing.TB, dir string, n int) string {
	t.Helper()
	header := []string{"姓名", "性别", "出生年月", "单位", "职务", "手机号", "县市区"}
	// The strings in the order of the table: the header, 100 names, the
	// four values all rows share, a phone a row.
	const names, shared = 7, 107
	sheet := func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		io.WriteString(w, `<row r="1">`)
		for j := range header {
			fmt.Fprintf(w, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+j, j)
		}
		io.WriteString(w, "</row>")
		for i := range n {
			r := i + 2
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d" s="1"><v>%d</v></c>`+
				`<c r="D%d" t="s"><v>%d</v></c><c r="E%d" t="s"><v>%d</v></c><c r="F%d" t="s"><v>%d</v></c><c r="G%d" t="s"><v>%d</v></c></row>`,
				r, r, names+i%100, r, shared, r, 22000+i%14000, r, shared+1, r, shared+2, r, shared+4+i, r, shared+3)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}
	sst := func(w io.Writer) {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, 7*(n+1), shared+4+n)
		for _, s := range header {
			fmt.Fprintf(w, "<si><t>%s</t></si>", s)
		}
		for i := range 100 {
			fmt.Fprintf(w, "<si><t>宣讲员%c</t></si>", '甲'+i)
		}
		for _, s := range []string{"女", "温县一中", "教师", "温县"} {
			fmt.Fprintf(w, "<si><t>%s</t></si>", s)
		}
		for i := range n {
			fmt.Fprintf(w, "<si><t>13%09d</t></si>", i)
		}
		io.WriteString(w, "</sst>")
	}
	return streamXLSX(t, dir, sheet, sst, rawStyles)
}

// BenchmarkXLSXRead reads a pool sheet of 50,000 rows (shared strings)
// with the new reader and with excelize's, in one run: the ratio is what
// the import's XLSX passes gained.
func BenchmarkXLSXRead(b *testing.B) {
	path := writeSSTPool(b, b.TempDir(), 50000)
	count := func(n int, row []Cell) error { return nil }
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			f, err := OpenFile(path, 1<<30)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Each(count); err != nil {
				b.Fatal(err)
			}
			_ = f.Close()
		}
	})
	b.Run("excelize", func(b *testing.B) {
		for b.Loop() {
			f, err := openLegacy(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.each(count); err != nil {
				b.Fatal(err)
			}
			_ = f.Close()
		}
	})
}
