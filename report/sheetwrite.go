package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// A form's workbook is written in two parts. excelize makes every part but
// the worksheet — styles, the workbook with its print titles, content
// types, relationships, theme — from a workbook whose sheet is empty; those
// parts are copied as they are, and the worksheet is written here, row by
// row, straight into the zip's compressor. excelize's own StreamWriter
// keeps up to 16 MiB of sheet XML in memory before it spills to a file
// (StreamChunkSize, a constant) and builds the whole zip in a buffer; a
// form of a hundred thousand lectures then needed 60 MB of Go heap. Here
// the heap holds one row.

// sheetCell is one cell of a row: a style and a value — nil (an empty cell
// that keeps its style, as the merged rows' other cells), a string (always
// text, never a formula), an int or a float64.
type sheetCell struct {
	style int
	value any
}

// sheetWriter writes a worksheet's XML. The first error sticks; later
// calls do nothing, and close reports it.
type sheetWriter struct {
	w      *bufio.Writer
	err    error
	merges []string
	num    []byte // scratch for numbers
}

// maxCellChars is the most characters a cell may hold (Excel's limit).
const maxCellChars = 32767

// newSheetWriter starts a worksheet: its page setup properties, the column
// widths (in characters) and the sheet data.
func newSheetWriter(w io.Writer, widths []float64) *sheetWriter {
	s := &sheetWriter{w: bufio.NewWriterSize(w, 32<<10)}
	s.str(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>` +
		`<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>` +
		`<sheetFormatPr defaultRowHeight="15"/>`)
	if len(widths) > 0 {
		s.str("<cols>")
		for i, width := range widths {
			n := strconv.Itoa(i + 1)
			s.str(`<col min="` + n + `" max="` + n + `" width="` + strconv.FormatFloat(width, 'f', -1, 64) + `" customWidth="1"/>`)
		}
		s.str("</cols>")
	}
	s.str("<sheetData>")
	return s
}

func (s *sheetWriter) str(v string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(v)
	}
}

// row writes row r (from 1; rows must come in order) with its cells from
// column A on and its height in points (0: the default).
func (s *sheetWriter) row(r int, cells []sheetCell, height float64) {
	rs := strconv.Itoa(r)
	s.str(`<row r="` + rs + `"`)
	if height > 0 {
		s.str(` ht="` + strconv.FormatFloat(height, 'f', -1, 64) + `" customHeight="1"`)
	}
	s.str(">")
	for i, c := range cells {
		if c.style == 0 && c.value == nil {
			continue // no cell at all
		}
		ref := colName(i+1) + rs
		s.str(`<c r="` + ref + `"`)
		if c.style != 0 {
			s.str(` s="` + strconv.Itoa(c.style) + `"`)
		}
		switch v := c.value.(type) {
		case nil:
			s.str("/>")
		case string:
			if utf8.RuneCountInString(v) > maxCellChars {
				if s.err == nil {
					s.err = fmt.Errorf("cell %s holds more than %d characters", ref, maxCellChars)
				}
				return
			}
			s.str(` t="inlineStr"><is><t xml:space="preserve">`)
			s.text(v)
			s.str("</t></is></c>")
		case int:
			s.num = strconv.AppendInt(s.num[:0], int64(v), 10)
			s.value()
		case float64:
			s.num = strconv.AppendFloat(s.num[:0], v, 'f', -1, 64)
			s.value()
		default:
			if s.err == nil {
				s.err = fmt.Errorf("cell %s: a %T is not a cell value", ref, v)
			}
			return
		}
	}
	s.str("</row>")
}

// value writes the number in s.num as a numeric cell's value.
func (s *sheetWriter) value() {
	s.str("><v>")
	if s.err == nil {
		_, s.err = s.w.Write(s.num)
	}
	s.str("</v></c>")
}

// text writes v as element text: the markup characters escaped, and what
// XML 1.0 cannot hold (control characters, broken UTF-8) as U+FFFD.
func (s *sheetWriter) text(v string) {
	start := 0
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		var with string
		switch {
		case r == '&':
			with = "&amp;"
		case r == '<':
			with = "&lt;"
		case r == '>':
			with = "&gt;"
		case r == '\r':
			with = "&#xD;" // kept: a bare CR in XML text reads as a newline
		case (r == utf8.RuneError && n == 1) || !xmlChar(r):
			with = "\uFFFD"
		default:
			i += n
			continue
		}
		s.str(v[start:i])
		s.str(with)
		i += n
		start = i
	}
	s.str(v[start:])
}

// merge merges the cells of row r from column from to column to.
func (s *sheetWriter) merge(r, from, to int) {
	rs := strconv.Itoa(r)
	s.merges = append(s.merges, colName(from)+rs+":"+colName(to)+rs)
}

// close ends the worksheet: its merged cells and the page setup — A4
// portrait, the table scaled to the page's width, as many pages tall as it
// needs — and flushes.
func (s *sheetWriter) close() error {
	s.str("</sheetData>")
	if len(s.merges) > 0 {
		s.str(`<mergeCells count="` + strconv.Itoa(len(s.merges)) + `">`)
		for _, m := range s.merges {
			s.str(`<mergeCell ref="` + m + `"/>`)
		}
		s.str("</mergeCells>")
	}
	s.str(`<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>` +
		`<pageSetup paperSize="9" orientation="portrait" fitToWidth="1" fitToHeight="0"/></worksheet>`)
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}

// colName names column n (from 1): A … Z, AA ….
func colName(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return "A"
	}
	return name
}

// writeBook writes the workbook x — whose one sheet is empty — to w as a
// zip, with that sheet's part replaced by what sheet writes.
func writeBook(w io.Writer, x *excelize.File, sheet func(io.Writer) error) error {
	skeleton, err := x.WriteToBuffer()
	if err != nil {
		return err
	}
	parts, err := zip.NewReader(bytes.NewReader(skeleton.Bytes()), int64(skeleton.Len()))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	found := false
	for _, p := range parts.File {
		if strings.HasPrefix(p.Name, "xl/worksheets/") && strings.HasSuffix(p.Name, ".xml") {
			if found {
				return fmt.Errorf("workbook has more than one sheet")
			}
			found = true
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Deflate, Modified: p.Modified})
			if err != nil {
				return err
			}
			if err := sheet(fw); err != nil {
				return err
			}
			continue
		}
		if err := zw.Copy(p); err != nil {
			return err
		}
	}
	if !found {
		return fmt.Errorf("workbook has no sheet")
	}
	return zw.Close()
}
