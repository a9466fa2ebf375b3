package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dangke"
	"dangke/report"
)

// Dates and counts in 附件1 are numbers with a number format, so that SUM
// works; text stays text.
func TestForm1NumericCells(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	f, err := report.Form1(ctx, st, "焦作市", "", county, dangke.Period{}, today)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for cell, want := range map[string]excelize.CellType{"A5": excelize.CellTypeInlineString, "D5": excelize.CellTypeUnset, "E5": excelize.CellTypeUnset} {
		// excelize reports numbers as unset: a cell without t= is a number.
		// Text is an inline string (the sheet is streamed): text, never a
		// number or a formula, as a shared string was.
		if got, err := x.GetCellType("附件1", cell); err != nil || got != want {
			t.Errorf("%s type %v, want %v (%v)", cell, got, want, err)
		}
	}
	raw, _ := x.GetCellValue("附件1", "D5", excelize.Options{RawCellValue: true})
	if raw != "43647" { // 2019-07-01 in Excel's day numbers
		t.Errorf("D5 raw %q", raw)
	}
	if v, _ := x.GetCellValue("附件1", "D5"); v != "2019-07-01" {
		t.Errorf("D5 shows %q", v)
	}
	if err := x.SetCellFormula("附件1", "F1", "SUM(E5:E14)"); err != nil {
		t.Fatal(err)
	}
	if v, err := x.CalcCellValue("附件1", "F1"); err != nil || v != "82" {
		t.Errorf("SUM of 听课人数 = %q (%v), want 82", v, err)
	}
	style, _ := x.GetCellStyle("附件1", "E5")
	if s, err := x.GetStyle(style); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "0" || len(s.Border) != 4 {
		t.Errorf("count style %+v", s)
	}
}

// The footer reads as a sentence when nothing was surveyed, and the units
// left out of the share of members are named below it, not in it.
func TestForm1FooterAndNotes(t *testing.T) {
	f := dangke.Figures{Lectures: 2, Speakers: 2, Members: 10, CoveredSpeakers: 1, CoveredMembers: 8,
		Unset: dangke.Doubtful{N: 1, Units: []dangke.DoubtfulUnit{{Path: "温县/二支部", Kind: dangke.KindBranch}}}}
	if got := report.Footer(f); got != "我单位党员上台讲微党课共计 2 次，占党员总数的 12.5%，党员满意率为—（未开展测评）。" {
		t.Errorf("footer %q", got)
	}
	if got := report.Footer(dangke.Figures{Lectures: 1, Speakers: 1, Satisfied: 9, Surveyed: 10}); got != "我单位党员上台讲微党课共计 1 次，占党员总数的—（党员数未设置），党员满意率为 90.0%。" {
		t.Errorf("footer %q", got)
	}
	if got := report.Notes(f, "温县"); len(got) != 1 || got[0] != "注：另有 1 个支部未填党员数：二支部，未计入上台率。" {
		t.Errorf("notes %q", got)
	}
	form := &report.Form{Sheet: "附件1", Columns: []report.Column{{Name: "a", Width: 10}}, MinRows: 2, Footer: report.Footer(f), Notes: report.Notes(f, "温县")}
	data, err := form.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := excelize.OpenReader(strings.NewReader(string(data)))
	defer x.Close()
	if v, _ := x.GetCellValue("附件1", "A7"); !strings.HasPrefix(v, "我单位") {
		t.Errorf("A7 %q", v)
	}
	if v, _ := x.GetCellValue("附件1", "A8"); v != form.Notes[0] {
		t.Errorf("A8 %q", v)
	}
	// The CSV prints each note once, as the sheet does (it once said 注：注：).
	csv, err := form.CSV()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(csv), "\n"+form.Notes[0]+"\n") || strings.Count(string(csv), "注：") != 1 {
		t.Errorf("csv %q", csv)
	}
}

// Cells that a spreadsheet would take for a formula are quoted in CSV and
// read back as typed; in XLSX they are text cells, never formulas.
func TestFormulaInjection(t *testing.T) {
	hostile := []string{"=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"领补贴\")"}
	form := &report.Form{Sheet: "附件2", Columns: []report.Column{{Name: "姓名", Width: 10}, {Name: "人数", Width: 6, Format: report.FormatCount}}}
	for _, h := range hostile {
		form.Rows = append(form.Rows, []string{h, h})
	}
	form.Extra = [][]string{{"=x"}, {"安全"}}
	data, err := form.CSV()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	for _, line := range strings.Split(strings.TrimSpace(text), "\n")[1:] {
		cell := strings.TrimPrefix(line, `"`)
		if cell == "" || cell == "安全" {
			continue
		}
		if cell[0] != '\'' {
			t.Errorf("unquoted cell in %q", line)
		}
	}
	rows, err := report.ReadTable("x.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		if want := strings.TrimSpace(h); rows[i+1][0] != want || rows[i+1][1] != want {
			t.Errorf("row %d read back %q, want %q", i+1, rows[i+1], want)
		}
	}
	if report.CSVCell("张三") != "张三" || report.CSVCell("2019-07-01") != "2019-07-01" || report.CSVCell("") != "" {
		t.Error("harmless cells changed")
	}

	xl, err := form.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := excelize.OpenReader(strings.NewReader(string(xl)))
	defer x.Close()
	for r := range hostile {
		for _, col := range []string{"A", "B"} {
			cell := fmt.Sprint(col, 5+r)
			if f, _ := x.GetCellFormula("附件2", cell); f != "" {
				t.Errorf("%s is a formula %q", cell, f)
			}
			if typ, _ := x.GetCellType("附件2", cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("%s type %v, want text", cell, typ)
			}
		}
	}
	if v, _ := x.GetCellValue("附件2", "A5"); v != "=1+1" {
		t.Errorf("A5 %q", v)
	}
}
