package report

import (
	"bytes"
	"testing"
)

// FuzzXLSXSheet reads any bytes as a sheet and as a shared string table:
// an error or rows, never a panic, and no row wider than a sheet.
func FuzzXLSXSheet(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>30000</v></c></row><row r="3"><c t="inlineStr"><is><r><t>a&amp;b</t></r></is></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<x:row><x:c><x:v>1</x:v></x:c><x:c r="XFD1"><x:f>1</x:f></x:c></x:row>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><!-- c --><sst><si><t><![CDATA[<&>]]></t></si><si><r><t>_x0041_</t></r><rPh><t>x</t></rPh></si></sst>`))
	f.Add([]byte(`<row r="1048577"><c r="A0"><v>&#0;</v></c></row>`))
	f.Add([]byte(`<row><c r='B2' t="s"><v>&#x4E2D;</v></c><c><is><t/></is></c><c/></row><row/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		wb := &workbook{fmts: []numFmt{{decimals: -1}, {date: true, decimals: -1}}}
		if err := wb.sst.read(bytes.NewReader(data), int64(len(data))); err == nil && len(wb.sst.all) > len(data) {
			t.Fatalf("%d bytes of strings from %d bytes", len(wb.sst.all), len(data))
		}
		rows := 0
		_ = wb.each("fuzz.xlsx", bytes.NewReader(data), func(n int, row []Cell) error {
			if len(row) > maxColumns || n < 1 || n > maxRows {
				t.Fatalf("row %d of %d cells", n, len(row))
			}
			rows++
			return nil
		})
	})
}
