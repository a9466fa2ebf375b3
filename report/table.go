package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"dangke"
)

// ReadTable reads the first sheet of an XLSX file, or a CSV file (UTF-8,
// with or without a byte-order mark), into rows of trimmed cells.
func ReadTable(name string, data []byte) ([][]string, error) {
	var rows [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("report: read %s: %w", name, err)
		}
		defer x.Close()
		if rows, err = x.GetRows(x.GetSheetName(0)); err != nil {
			return nil, fmt.Errorf("report: read %s: %w", name, err)
		}
	case ".csv":
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		var err error
		if rows, err = r.ReadAll(); err != nil {
			return nil, fmt.Errorf("report: read %s: %w", name, err)
		}
		for _, row := range rows {
			for i := range row {
				row[i] = uncell(row[i]) // a cell this program quoted against formulas
			}
		}
	default:
		return nil, dangke.Errorf(dangke.EINVALID, "只能导入 .xlsx 或 .csv 文件，收到「%s」。", filepath.Base(name))
	}
	for _, row := range rows {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	return rows, nil
}

// columnKey folds a header cell for matching: 姓  名, 姓名 and “姓名*” are one.
func columnKey(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '*' || r == '\t' {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// header finds the header row among the first rows: the first that names
// every required column (under any of its names). It returns the row's
// index and each column's position by canonical name.
func header(rows [][]string, columns map[string][]string, required []string) (int, map[string]int, error) {
	for i := 0; i < len(rows) && i < 10; i++ {
		pos := map[string]int{}
		for j, cell := range rows[i] {
			key := columnKey(cell)
			for canon, names := range columns {
				for _, n := range names {
					if key == n {
						if _, seen := pos[canon]; !seen {
							pos[canon] = j
						}
					}
				}
			}
		}
		ok := true
		for _, r := range required {
			if _, found := pos[r]; !found {
				ok = false
			}
		}
		if ok {
			return i, pos, nil
		}
	}
	return 0, nil, dangke.Errorf(dangke.EINVALID, "找不到表头：前 10 行中没有一行同时包含 %s 这些列。", strings.Join(required, "、"))
}
