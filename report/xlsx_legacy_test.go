package report

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The XLSX reader imports used before xlsx.go, kept here to check the new
// one against: excelize's row iterator for the values, beside a second
// encoding/xml read of the sheet for the cells' types and styles.

type legacyFile struct {
	path  string
	x     *excelize.File
	sheet string
	part  string
	fmts  map[int]numFmt
	d1904 bool
}

func openLegacy(name string) (*legacyFile, error) {
	f := &legacyFile{path: name, fmts: map[int]numFmt{}}
	var err error
	if f.x, err = excelize.OpenFile(name, excelize.Options{UnzipXMLSizeLimit: 4 << 20, UnzipSizeLimit: 64 * DefaultMaxSize}); err != nil {
		return nil, err
	}
	f.sheet = f.x.GetSheetName(0)
	if props, err := f.x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		f.d1904 = *props.Date1904
	}
	if f.part, err = firstSheetPart(name); err != nil {
		_ = f.x.Close()
		return nil, err
	}
	return f, nil
}

func (f *legacyFile) Close() error { return f.x.Close() }

// each reads the sheet as File.Each did before xlsx.go.
func (f *legacyFile) each(fn func(n int, row []Cell) error) error {
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
func (f *legacyFile) cell(v string, a cellAttr) Cell {
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
func (f *legacyFile) numFmt(style int) numFmt {
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
	if err := legacyDecodePart(&zr.Reader, "xl/workbook.xml", &wb); err != nil {
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
	if err := legacyDecodePart(&zr.Reader, "xl/_rels/workbook.xml.rels", &rels); err != nil {
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

func legacyDecodePart(zr *zip.Reader, name string, v any) error {
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
