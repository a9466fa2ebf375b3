package report

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
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
// with or without a byte-order mark), read as a stream: see xlsx.go for
// how a sheet is read.
type File struct {
	path  string
	zr    *zip.ReadCloser
	wb    *workbook
	limit int64 // how many bytes a part may unzip to
}

// OpenFile opens an import file, refusing one larger than maxSize bytes
// (0: DefaultMaxSize) before reading it. An XLSX file's shared strings
// are read here, once for both passes of an import.
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
	// A part that unzips to more than 64 times the limit is not a roster.
	f := &File{path: name, limit: 64 * maxSize}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return f, nil
	case ".xlsx", ".xlsm":
	default:
		return nil, dangke.Errorf(dangke.EINVALID, "只能导入 .xlsx 或 .csv 文件，收到「%s」。", filepath.Base(name))
	}
	if f.zr, err = zip.OpenReader(name); err != nil {
		return nil, dangke.Errorf(dangke.EINVALID, "无法读取 %s：%v", filepath.Base(name), err)
	}
	if f.wb, err = openWorkbook(&f.zr.Reader, f.limit); err != nil {
		_ = f.zr.Close()
		return nil, dangke.Errorf(dangke.EINVALID, "无法读取 %s：%v", filepath.Base(name), err)
	}
	return f, nil
}

// Close closes the file.
func (f *File) Close() error {
	if f.zr == nil {
		return nil
	}
	return f.zr.Close()
}

// Each implements Source.
func (f *File) Each(fn func(n int, row []Cell) error) error {
	if f.zr == nil {
		return f.eachCSV(fn)
	}
	part := findPart(&f.zr.Reader, f.wb.sheet)
	rc, err := part.Open()
	if err != nil {
		return fmt.Errorf("report: read %s: %w", filepath.Base(f.path), err)
	}
	defer rc.Close()
	return f.wb.each(filepath.Base(f.path), &limitedReader{r: rc, left: f.limit}, fn)
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
