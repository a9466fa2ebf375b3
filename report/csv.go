package report

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSVWriter writes CSV whose cells Excel and WPS never evaluate: a cell
// that starts with = + - @, a tab or a carriage return gets a single quote
// in front (the OWASP rule against CSV injection), so that it shows as the
// text that was typed. ReadTable takes the quote off again.
type CSVWriter struct{ w *csv.Writer }

// SafeCSV returns a CSVWriter writing to w.
func SafeCSV(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one record.
func (c *CSVWriter) Write(record []string) error {
	safe := make([]string, len(record))
	for i, v := range record {
		safe[i] = CSVCell(v)
	}
	return c.w.Write(safe)
}

// WriteAll writes the records and flushes.
func (c *CSVWriter) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := c.Write(r); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// Flush writes any buffered data.
func (c *CSVWriter) Flush() { c.w.Flush() }

// Error reports an error of a previous Write or Flush.
func (c *CSVWriter) Error() error { return c.w.Error() }

// CSVCell is a cell as it is written to CSV: with a leading single quote
// when a spreadsheet would otherwise take it for a formula.
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// uncell undoes CSVCell for a cell read back from CSV.
func uncell(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}
