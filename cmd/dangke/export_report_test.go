package main

import (
	"archive/zip"
	"path/filepath"
	"strings"
	"testing"
)

// dangke export report writes the county's 情况报告 as a DOCX.
func TestExportReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	newDB(t, db)
	out := filepath.Join(dir, "情况报告.docx")
	stdout, _, err := run(t, nil, "export", "report", "--db", db, "--unit", "温县", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "温县示范宣讲活动情况报告") {
		t.Errorf("stdout %q", stdout)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, f := range zr.File {
		found = found || f.Name == "word/document.xml"
	}
	if !found {
		t.Error("no word/document.xml")
	}
	if _, _, err := run(t, nil, "export", "report", "--db", db, "--out", out); err == nil || !strings.Contains(err.Error(), "--unit") {
		t.Errorf("without --unit: %v", err)
	}
}
