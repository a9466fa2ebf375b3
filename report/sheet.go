package report

import (
	"archive/zip"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dangke"
)

// DefaultMaxSize is the largest file an import takes unless told otherwise.
const DefaultMaxSize = 20 << 20

// Cell is one cell of an imported table: the value as the file stores it
// and, for a spreadsheet's number cell, the number format it is shown in,
// so that a date cell or a month typed as a number is read as what it is.
type Cell struct {
	Text   string // a string as typed, or a number in its shortest form (13812345678, 1983.1), trimmed
	Number bool   // a number cell of a spreadsheet (dates are numbers there)
	Typed  bool   // the file says what the cell is (XLSX); CSV cells are text of unknown origin
	fmt    numFmt
}

// Date reports whether the cell is a number shown as a date.
func (c Cell) Date() bool { return c.Number && c.fmt.date }

// Time returns a date cell's day.
func (c Cell) Time() (time.Time, error) {
	f, err := strconv.ParseFloat(c.Text, 64)
	if err != nil {
		return time.Time{}, err
	}
	return excelize.ExcelDateToTime(f, c.fmt.date1904)
}

// Decimals returns how many decimals the cell's number format shows, or -1
// when the format does not fix them (General).
func (c Cell) Decimals() int { return c.fmt.decimals }

// numFmt is what the import needs of a cell's number format.
type numFmt struct {
	date     bool
	decimals int // -1: not fixed
	date1904 bool
}

// Source is a table read row by row. Each reads it from the start every
// time it is called, so an import checks every row in one pass and writes
// in a second without keeping the rows in memory.
type Source interface {
	// Each calls fn with every row and its number as the spreadsheet shows
	// it (1-based), until fn returns an error.
	Each(fn func(n int, row []Cell) error) error
}

// Lines is a table already in memory, its cells as text (like CSV).
type Lines [][]string

// Each implements Source.
func (l Lines) Each(fn func(n int, row []Cell) error) error {
	for i, raw := range l {
		if err := fn(i+1, textCells(raw)); err != nil {
			return err
		}
	}
	return nil
}

func textCells(raw []string) []Cell {
	row := make([]Cell, len(raw))
	for j, s := range raw {
		row[j] = Cell{Text: strings.TrimSpace(s), fmt: numFmt{decimals: -1}}
	}
	return row
}

// File is an import file on disk, XLSX (its first sheet) or CSV (UTF-8,
// with or without a byte-order mark), read as a stream.
type File struct {
	path  string
	x     *excelize.File
	sheet string // the first sheet's name
	part  string // and its part in the zip, for the cells' styles
	fmts  map[int]numFmt
	d1904 bool
}

// OpenFile opens an import file, refusing one larger than maxSize bytes
// (0: DefaultMaxSize) before reading it.
func OpenFile(name string, maxSize int64) (*File, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if fi.Size() > maxSize {
		return nil, dangke.Errorf(dangke.EINVALID, "文件 %s 有 %s，超过导入上限 %s；请拆成几个文件分别导入，或用 --max-size 调高上限。",
			filepath.Base(name), FormatSize(fi.Size()), FormatSize(maxSize))
	}
	f := &File{path: name, fmts: map[int]numFmt{}}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return f, nil
	case ".xlsx", ".xlsm":
	default:
		return nil, dangke.Errorf(dangke.EINVALID, "只能导入 .xlsx 或 .csv 文件，收到「%s」。", filepath.Base(name))
	}
	// Worksheets and shared strings above 4 MB unzip to a temporary file
	// rather than memory; a file that unzips to more than 64 times its
	// limit is not a roster.
	if f.x, err = excelize.OpenFile(name, excelize.Options{UnzipXMLSizeLimit: 4 << 20, UnzipSizeLimit: 64 * maxSize}); err != nil {
		return nil, dangke.Errorf(dangke.EINVALID, "无法读取 %s：%v", filepath.Base(name), err)
	}
	f.sheet = f.x.GetSheetName(0)
	if props, err := f.x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		f.d1904 = *props.Date1904
	}
	if f.part, err = firstSheetPart(name); err != nil {
		_ = f.x.Close()
		return nil, dangke.Errorf(dangke.EINVALID, "无法读取 %s：%v", filepath.Base(name), err)
	}
	return f, nil
}

// Close releases the file's temporary files.
func (f *File) Close() error {
	if f.x == nil {
		return nil
	}
	return f.x.Close()
}

// Each implements Source.
func (f *File) Each(fn func(n int, row []Cell) error) error {
	if f.x == nil {
		return f.eachCSV(fn)
	}
	rows, err := f.x.Rows(f.sheet)
	if err != nil {
		return fmt.Errorf("report: read %s: %w", filepath.Base(f.path), err)
	}
	defer rows.Close()
	styles, err := openStyles(f.path, f.part)
	if err != nil {
		return fmt.Errorf("report: read %s: %w", filepath.Base(f.path), err)
	}
	defer styles.Close()
	for n := 1; rows.Next(); n++ {
		vals, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("report: read %s: %w", filepath.Base(f.path), err)
		}
		attrs, err := styles.row(n)
		if err != nil {
			return fmt.Errorf("report: read %s: %w", filepath.Base(f.path), err)
		}
		row := make([]Cell, len(vals))
		for j, v := range vals {
			row[j] = f.cell(v, attrs[j+1])
		}
		if err := fn(n, row); err != nil {
			return err
		}
	}
	return rows.Error()
}

// cell reads a value with its cell's type and style.
func (f *File) cell(v string, a cellAttr) Cell {
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
	c.fmt = f.numFmt(a.s)
	return c
}

// numFmt looks up (once per style) what a cell style's number format shows.
func (f *File) numFmt(style int) numFmt {
	if nf, ok := f.fmts[style]; ok {
		return nf
	}
	nf := numFmt{decimals: -1, date1904: f.d1904}
	if st, err := f.x.GetStyle(style); err == nil && st != nil {
		if st.CustomNumFmt != nil {
			nf.date = dateCode(*st.CustomNumFmt)
		} else {
			nf.date = dateFormatID(st.NumFmt)
		}
		if st.DecimalPlaces != nil && (st.NumFmt != 0 || st.CustomNumFmt != nil) {
			nf.decimals = *st.DecimalPlaces // General (0) fixes none
		}
	}
	f.fmts[style] = nf
	return nf
}

// dateFormatID reports whether a built-in number format shows a date (the
// ids of the English and Chinese locales; the others show numbers or times).
func dateFormatID(id int) bool {
	switch {
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return true
	}
	return false
}

// dateCode reports whether a custom number format code shows a date: a
// year, day or era, or a month without hours or seconds, outside quoted
// text, escapes and [brackets].
func dateCode(code string) bool {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch ch := code[i]; ch {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			}
		case '[':
			if j := strings.IndexByte(code[i+1:], ']'); j >= 0 {
				i += j + 1
			}
		case '\\', '_', '*':
			i++
		default:
			b.WriteByte(ch | 0x20)
		}
	}
	s := b.String()
	if strings.ContainsAny(s, "yde") {
		return true
	}
	return strings.Contains(s, "m") && !strings.ContainsAny(s, "hs")
}

func (f *File) eachCSV(fn func(n int, row []Cell) error) error {
	in, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer in.Close()
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return dangke.Errorf(dangke.EINVALID, "%s 第 %d 行不是正确的 CSV：%v", filepath.Base(f.path), n, err)
		}
		if n == 1 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if err := fn(n, textCells(rec)); err != nil {
			return err
		}
	}
}

// FormatSize prints a byte count for people: 20 MB, 512 KB.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(math.Round(float64(n)/(1<<20)*10)/10, 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(math.Round(float64(n)/(1<<10)*10)/10, 'f', -1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

// ParseSize reads a size such as 20MB, 20M, 512KB or 1048576 (bytes).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"G", 1 << 30}, {"MB", 1 << 20}, {"M", 1 << 20}, {"KB", 1 << 10}, {"K", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("%q is not a size like 20MB", s)
	}
	return int64(n * float64(mult)), nil
}

// firstSheetPart finds the zip part of a workbook's first sheet, the one
// excelize calls sheet 0: the first <sheet> of xl/workbook.xml, through its
// relationship.
func firstSheetPart(name string) (string, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(&zr.Reader, "xl/workbook.xml", &wb); err != nil {
		return "", err
	}
	if len(wb.Sheets) == 0 {
		return "", errors.New("the workbook has no sheet")
	}
	var rid string
	for _, a := range wb.Sheets[0].Attrs {
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
	if err := decodePart(&zr.Reader, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, r := range rels.Rels {
		if r.ID == rid {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "", errors.New("the first sheet has no part")
}

func decodePart(zr *zip.Reader, name string, v any) error {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			return xml.NewDecoder(rc).Decode(v)
		}
	}
	return fmt.Errorf("%s is missing", name)
}

// cellAttr is a cell's style and type, as the sheet's XML gives them.
type cellAttr struct {
	s int
	t string
}

// cellStyles reads the cells' style and type attributes from the sheet's XML as
// a stream, row by row beside excelize's row iterator (which gives values
// but not styles).
type cellStyles struct {
	zr   *zip.ReadCloser
	rc   io.ReadCloser
	dec  *xml.Decoder
	next int              // the number of the row read ahead
	held map[int]cellAttr // its cells by column
	done bool
}

func openStyles(name, part string) (*cellStyles, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == part {
			rc, err := f.Open()
			if err != nil {
				_ = zr.Close()
				return nil, err
			}
			return &cellStyles{zr: zr, rc: rc, dec: xml.NewDecoder(rc)}, nil
		}
	}
	_ = zr.Close()
	return nil, fmt.Errorf("%s is missing", part)
}

func (s *cellStyles) Close() error {
	_ = s.rc.Close()
	return s.zr.Close()
}

// row returns the attributes of row n's cells by column (1-based).
func (s *cellStyles) row(n int) (map[int]cellAttr, error) {
	for !s.done && s.next < n {
		if err := s.advance(); err != nil {
			return nil, err
		}
	}
	if s.next == n {
		return s.held, nil
	}
	return nil, nil
}

// advance reads the next <row> element.
func (s *cellStyles) advance() error {
	for {
		tok, err := s.dec.RawToken()
		if errors.Is(err, io.EOF) {
			s.done = true
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "row" {
			num := s.next + 1
			for _, a := range se.Attr {
				if a.Name.Local == "r" {
					if v, err := strconv.Atoi(a.Value); err == nil {
						num = v
					}
				}
			}
			s.next, s.held = num, map[int]cellAttr{}
			return s.cells()
		}
	}
}

// skip reads past the end of the element just started.
func (s *cellStyles) skip() error {
	for depth := 1; depth > 0; {
		tok, err := s.dec.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// cells reads the <c> elements of the current row.
func (s *cellStyles) cells() error {
	col := 0
	for {
		tok, err := s.dec.RawToken() // no namespace work: only names and attributes are read
		if err != nil {
			return err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local != "c" {
				continue
			}
			col++
			var a cellAttr
			for _, at := range el.Attr {
				switch at.Name.Local {
				case "r":
					if c, _, err := excelize.CellNameToCoordinates(at.Value); err == nil {
						col = c
					}
				case "s":
					a.s, _ = strconv.Atoi(at.Value)
				case "t":
					a.t = at.Value
				}
			}
			s.held[col] = a
			if err := s.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			if el.Name.Local == "row" {
				return nil
			}
		}
	}
}
