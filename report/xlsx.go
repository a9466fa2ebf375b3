package report

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/nfp"

	"dangke"
)

// The XLSX reader of imports. A million-row sheet is read in one pass of
// a hand-written scanner (xmlScanner) over the zip part, which gives each
// cell's value, type and style together. Before, excelize's row iterator
// gave the values and a second encoding/xml pass over the same part gave
// the styles: three quarters of the import's CPU was encoding/xml's
// allocation of a token, names and attributes per element, and a million
// rows took 197 s. The libraries at hand were weighed first: excelize
// (v2.11) and github.com/thedatashed/xlsxreader (v1.2.8) both read the
// sheet with encoding/xml's Token, and neither gives a number format's
// decimals, which 出生年月 needs (1983.10 shown with two decimals is
// October). The small parts (workbook, relationships, styles) are still
// read with encoding/xml, once; decimals come from the number format
// parser excelize uses itself (github.com/xuri/nfp), so a cell reads as it
// did through excelize: xlsx_compare_test.go checks both readers cell by
// cell.

// maxXMLToken bounds a tag or a text of the sheet or the shared strings
// (a cell holds at most 32,767 characters).
const maxXMLToken = 4 << 20

// maxColumns and maxRows are a sheet's limits.
const (
	maxColumns = 16384
	maxRows    = 1048576
)

// workbook is what the import needs of an XLSX file besides its sheet.
type workbook struct {
	sheet string   // the zip part of the first sheet
	fmts  []numFmt // by cell style (cellXfs index)
	d1904 bool
	sst   sharedStrings
}

// sharedStrings is a workbook's shared string table in one string, each
// entry a substring of it: a million strings cost their bytes and four
// bytes each, and a cell's text needs no allocation.
type sharedStrings struct {
	all  string
	ends []uint32
}

func (t *sharedStrings) len() int { return len(t.ends) }

func (t *sharedStrings) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.all[start:t.ends[i]]
}

// limitedReader fails past its limit rather than ending quietly: a part
// that unzips to more than a roster can hold is refused.
type limitedReader struct {
	r    io.Reader
	left int64
}

var errTooLarge = errors.New("the file unzips to more than the import's limit")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// openWorkbook reads what a sheet's cells need: the first sheet's part,
// the styles' number formats, the date system and the shared strings.
func openWorkbook(zr *zip.Reader, limit int64) (*workbook, error) {
	wb := &workbook{}
	var doc struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &doc); err != nil {
		return nil, err
	}
	wb.d1904, _ = strconv.ParseBool(strings.TrimSpace(doc.Pr.Date1904))
	if len(doc.Sheets) == 0 {
		return nil, errors.New("the workbook has no sheet")
	}
	var rid string
	for _, a := range doc.Sheets[0].Attrs {
		if a.Name.Local == "id" && a.Name.Space != "" {
			rid = a.Value
		}
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	for _, r := range rels.Rels {
		if r.ID == rid {
			if strings.HasPrefix(r.Target, "/") {
				wb.sheet = strings.TrimPrefix(r.Target, "/")
			} else {
				wb.sheet = path.Join("xl", r.Target)
			}
		}
	}
	if wb.sheet == "" {
		return nil, errors.New("the first sheet has no part")
	}
	if findPart(zr, wb.sheet) == nil {
		return nil, fmt.Errorf("%s is missing", wb.sheet)
	}
	wb.fmts = readNumFmts(zr)
	if f := findPart(zr, "xl/sharedStrings.xml"); f != nil {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
		err = wb.sst.read(&limitedReader{r: rc, left: limit}, int64(min(f.UncompressedSize64, uint64(limit))))
		_ = rc.Close()
		if err != nil {
			return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
	}
	return wb, nil
}

func findPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f := findPart(zr, name)
	if f == nil {
		return fmt.Errorf("%s is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v)
}

// readNumFmts reads what each cell style's number format shows. Styles
// that cannot be read show nothing particular (General), as in excelize.
func readNumFmts(zr *zip.Reader) []numFmt {
	var ss struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID *int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if decodePart(zr, "xl/styles.xml", &ss) != nil {
		return nil
	}
	out := make([]numFmt, len(ss.Xfs))
	for i, xf := range ss.Xfs {
		nf := numFmt{decimals: -1}
		if xf.NumFmtID != nil {
			id := *xf.NumFmtID
			if d, ok := builtinDecimals(id); ok {
				nf.date = dateFormatID(id)
				if id != 0 {
					nf.decimals = d
				}
			} else {
				for _, f := range ss.NumFmts { // the last of an id is its code, as in excelize
					if f.ID != id {
						continue
					}
					nf.date = dateCode(f.Code)
					if d := codeDecimals(f.Code); d != -1 {
						nf.decimals = d
					}
				}
			}
		}
		out[i] = nf
	}
	return out
}

// builtinDecimals returns the decimals a built-in number format shows (-1:
// not fixed), and whether id is built in (the ids of ECMA-376 and of the
// East Asian locales).
func builtinDecimals(id int) (int, bool) {
	switch id {
	case 0, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 49:
		return -1, true
	case 1, 3, 9, 37, 38:
		return 0, true
	case 2, 4, 10, 11, 39, 40:
		return 2, true
	case 41, 42:
		return 0, true
	case 43, 44:
		return 2, true
	case 47:
		return 1, true
	case 48:
		return 1, true
	}
	if 27 <= id && id <= 36 || 50 <= id && id <= 62 || 67 <= id && id <= 81 {
		return -1, true
	}
	return 0, false
}

// codeDecimals returns the decimals a number format code shows: those of
// its positive section, when its negative section (if any) shows the same;
// -1 when it fixes none.
func codeDecimals(code string) int {
	var pos, neg section
	p := nfp.NumberFormatParser()
	sections := p.Parse(code)
	if len(sections) == 0 {
		return -1
	}
	pos = sectionDecimals(sections[0].Items)
	if len(sections) > 1 {
		neg = sectionDecimals(sections[1].Items)
		switch {
		case pos.point && neg.point && pos.decimals == neg.decimals:
			return pos.decimals
		case !pos.point && !neg.point && pos.zero && neg.zero:
			return 0
		}
		return -1
	}
	switch {
	case pos.point:
		return pos.decimals
	case pos.zero:
		return 0
	}
	return -1
}

type section struct {
	decimals    int
	point, zero bool
}

func sectionDecimals(items []nfp.Token) section {
	var s section
	for _, t := range items {
		switch t.TType {
		case nfp.TokenTypeDecimalPoint:
			s.point = true
		case nfp.TokenTypeZeroPlaceHolder:
			if s.point {
				s.decimals = len(t.TValue)
			}
			s.zero = true
		}
	}
	return s
}

// read loads the shared string table: each <si>'s text, the runs of rich
// text joined, phonetic guides left out.
// size is the part's size unzipped.
func (t *sharedStrings) read(r io.Reader, size int64) error {
	s := newXMLScanner(r, maxXMLToken)
	var all strings.Builder
	// The text is smaller than the XML that holds it: a part of n bytes
	// holds under n/2 bytes of strings unless they are long. The size is
	// the zip's word, so what is reserved before reading is bounded.
	all.Grow(int(max(0, min(size/2, 32<<20))))
	var one []byte
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		if k == xmlEOF {
			break
		}
		if k == xmlOpen && string(s.name) == "sst" {
			if v, ok := s.attr("uniqueCount"); ok {
				if n, err := strconv.Atoi(string(v)); err == nil && n > 0 {
					t.ends = make([]uint32, 0, min(n, 1<<21))
				}
			}
		}
		if k != xmlOpen || string(s.name) != "si" {
			continue
		}
		if one, err = richText(s, one[:0]); err != nil {
			return err
		}
		if all.Len()+len(one) > math.MaxUint32 {
			return errTooLarge
		}
		all.WriteString(bstrUnescape(one))
		t.ends = append(t.ends, uint32(all.Len()))
	}
	t.all = all.String()
	return nil
}

// richText reads the text of an <si> or <is> just started: its <t>, or
// the <t> of its runs <r>, not its phonetic runs.
func richText(s *xmlScanner, out []byte) ([]byte, error) {
	if s.selfClosed {
		_, err := s.next()
		return out, err
	}
	// The names of the open elements below the root, as far as they matter.
	var l1, l2 string
	depth := 0
	for {
		k, err := s.next()
		if err != nil {
			return out, err
		}
		switch k {
		case xmlEOF:
			return out, s.readErr("a string")
		case xmlOpen:
			depth++
			switch depth {
			case 1:
				l1 = elemName(s.name)
			case 2:
				l2 = elemName(s.name)
			}
		case xmlClose:
			if depth == 0 {
				return out, nil
			}
			depth--
		case xmlChars:
			if depth == 1 && l1 == "t" || depth == 2 && l1 == "r" && l2 == "t" {
				out = append(out, s.text...)
				if len(out) > maxXMLToken {
					return out, errXMLTooLong
				}
			}
		}
	}
}

// elemName names the elements richText tells apart without allocating.
func elemName(b []byte) string {
	switch string(b) {
	case "t":
		return "t"
	case "r":
		return "r"
	}
	return ""
}

// bstrPattern is an escaped character of OOXML strings: _x000D_ is a
// carriage return, _x005F_ an underscore.
var bstrPattern = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)

// bstrUnescape decodes the _xHHHH_ escapes of a spreadsheet string as
// excelize does (a code that is not a character is dropped).
func bstrUnescape(b []byte) string {
	s := string(b)
	if !strings.Contains(s, "_x") {
		return s
	}
	return bstrPattern.ReplaceAllStringFunc(s, func(m string) string {
		if m == "_x005F_" {
			return "_"
		}
		v, err := strconv.Unquote(`"\u` + m[2:6] + `"`)
		if err != nil {
			return ""
		}
		return v
	})
}

// sheetReader reads a sheet's rows as excelize's row iterator gives them:
// a row for every number up to the last (empty where the sheet has none),
// each cell at its column, a row's cells up to its last value or formula.
type sheetReader struct {
	wb   *workbook
	s    *xmlScanner
	n    int  // the number of the last row given
	held bool // a <row> has been read whose number is ahead of n
	cur  int  // its number
	done bool

	vals  []string
	attrs []cellAttr // by column, from the first
	text  []byte     // an inline string read
	v     []byte     // a <v> read
}

// cellAttr is a cell's style and type, as the sheet's XML gives them.
type cellAttr struct {
	s int
	t string
}

func (w *workbook) numFmt(style int) numFmt {
	if style >= 0 && style < len(w.fmts) {
		nf := w.fmts[style]
		nf.date1904 = w.d1904
		return nf
	}
	return numFmt{decimals: -1, date1904: w.d1904}
}

// each reads the sheet, calling fn with every row; fn's error is
// returned as it is, a reading error as one that names the file and row.
func (w *workbook) each(name string, r io.Reader, fn func(n int, row []Cell) error) error {
	sr := &sheetReader{wb: w, s: newXMLScanner(r, maxXMLToken)}
	for {
		row, ok, err := sr.next()
		if err != nil {
			return dangke.Errorf(dangke.EINVALID, "无法读取 %s（第 %d 行附近）：%v", name, sr.n, err)
		}
		if !ok {
			return nil
		}
		if err := fn(sr.n, row); err != nil {
			return err
		}
	}
}

// next gives the next row, false after the last.
func (sr *sheetReader) next() ([]Cell, bool, error) {
	sr.n++
	if !sr.held {
		if sr.done {
			return nil, false, nil
		}
		found, err := sr.seekRow()
		if err != nil || !found {
			return nil, false, err
		}
		sr.held = true
	}
	if sr.cur > sr.n { // a row the sheet leaves out
		return nil, true, nil
	}
	sr.held = false
	row, err := sr.readRow()
	return row, true, err
}

// seekRow reads up to the next <row>, and its number.
func (sr *sheetReader) seekRow() (bool, error) {
	s := sr.s
	for {
		k, err := s.next()
		if err != nil {
			return false, err
		}
		switch {
		case k == xmlEOF:
			sr.done = true
			return false, nil
		case k == xmlClose && string(s.name) == "sheetData":
			sr.done = true
			return false, nil
		case k == xmlOpen && string(s.name) == "row":
			sr.cur++
			if v, ok := s.attr("r"); ok {
				if n, err := strconv.Atoi(string(v)); err == nil && n != 0 {
					if n > maxRows {
						return false, fmt.Errorf("row number %d exceeds the limit %d", n, maxRows)
					}
					sr.cur = n
				}
			}
			return true, nil
		}
	}
}

// readRow reads the cells of the <row> just started.
func (sr *sheetReader) readRow() ([]Cell, error) {
	s := sr.s
	sr.vals = sr.vals[:0]
	clear(sr.attrs)
	sr.attrs = sr.attrs[:0]
	col := 0
	if s.selfClosed {
		if _, err := s.next(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		if k == xmlEOF {
			return nil, s.readErr("a row")
		}
		if k == xmlClose && string(s.name) == "row" {
			break
		}
		if k != xmlOpen || string(s.name) != "c" {
			continue
		}
		col++
		var a cellAttr
		for _, at := range s.attrs {
			switch string(at.name) {
			case "r":
				c, err := column(at.value)
				if err != nil {
					return nil, err
				}
				col = c
			case "s":
				a.s, _ = strconv.Atoi(string(at.value))
			case "t":
				a.t = cellType(at.value)
			}
		}
		v, hasF, err := sr.cellValue(a)
		if err != nil {
			return nil, err
		}
		for len(sr.attrs) < col {
			sr.attrs = append(sr.attrs, cellAttr{})
		}
		sr.attrs[col-1] = a
		if v != "" || hasF {
			for range col - len(sr.vals) - 1 {
				sr.vals = append(sr.vals, "")
			}
			sr.vals = append(sr.vals, v)
		}
	}
	row := make([]Cell, len(sr.vals))
	for j, v := range sr.vals {
		var a cellAttr
		if j < len(sr.attrs) {
			a = sr.attrs[j]
		}
		row[j] = sr.wb.cell(v, a)
	}
	return row, nil
}

// cellType interns the usual values of a cell's t attribute.
func cellType(b []byte) string {
	for _, t := range []string{"s", "n", "str", "inlineStr", "b", "e", "d"} {
		if string(b) == t {
			return t
		}
	}
	return string(b)
}

// column reads the column of a cell reference such as AB12 (1-based).
func column(ref []byte) (int, error) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if col > maxColumns {
			return 0, fmt.Errorf("cell %q is beyond the last column", clipBytes(ref))
		}
	}
	if col == 0 || i == len(ref) {
		return 0, fmt.Errorf("cell %q is not a cell reference", clipBytes(ref))
	}
	n := 0
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, fmt.Errorf("cell %q is not a cell reference", clipBytes(ref))
		}
		if n = n*10 + int(ref[i]-'0'); n > maxRows {
			return 0, fmt.Errorf("cell %q is beyond the last row", clipBytes(ref))
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("cell %q is not a cell reference", clipBytes(ref))
	}
	return col, nil
}

// cellValue reads the <c> just started: its value as excelize gives it
// raw (a shared or inline string's text; a number, date or boolean as
// stored), and whether it has a formula.
func (sr *sheetReader) cellValue(a cellAttr) (string, bool, error) {
	s := sr.s
	if s.selfClosed {
		_, err := s.next()
		return "", false, err
	}
	v := sr.v[:0]
	hasF, inline := false, false
	var is string
	depth := 0
	inV := false
	for end := false; !end; {
		k, err := s.next()
		if err != nil {
			return "", false, err
		}
		switch k {
		case xmlEOF:
			return "", false, s.readErr("a cell")
		case xmlClose:
			if depth == 0 {
				end = true
				break
			}
			depth--
			inV = false
		case xmlOpen:
			if depth == 0 {
				switch string(s.name) {
				case "v":
					v, inV = v[:0], true
				case "f":
					hasF = true
				case "is":
					text, err := richText(s, sr.text[:0])
					sr.text = text
					if err != nil {
						return "", false, err
					}
					is, inline = bstrUnescape(text), true
					continue // richText read its end
				}
			}
			depth++
		case xmlChars:
			if inV && depth == 1 {
				v = append(v, s.text...)
			}
		}
	}
	sr.v = v
	switch a.t {
	case "s":
		if len(v) == 0 {
			return "", hasF, nil
		}
		i, _ := strconv.Atoi(strings.TrimSpace(string(v)))
		if i < 0 || i >= sr.wb.sst.len() {
			return "", hasF, nil
		}
		return sr.wb.sst.get(i), hasF, nil
	case "inlineStr":
		if inline {
			return is, hasF, nil
		}
	}
	return string(v), hasF, nil
}

// cell reads a value with its cell's type and style.
func (w *workbook) cell(v string, a cellAttr) Cell {
	c := Cell{Text: strings.TrimSpace(v), Typed: true, fmt: numFmt{decimals: -1}}
	if (a.t != "" && a.t != "n") || c.Text == "" {
		return c
	}
	x, err := strconv.ParseFloat(c.Text, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return c
	}
	// The shortest form, without the noise of binary fractions:
	// 1983.0999999999999 is 1983.1, 1.3812345678E10 is 13812345678.
	c.Text = strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
	c.Number = true
	c.fmt = w.numFmt(a.s)
	return c
}
