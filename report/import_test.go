package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dangke"
	"dangke/report"
	"dangke/store"
)

// serial is a day as a spreadsheet stores it: days since 1899-12-30 (for
// days after February 1900).
func serial(y int, m time.Month, d int) float64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}

// xlsxCell is a cell to write: a value, and a number format (a built-in id
// or a custom code) when it is a number.
type xlsxCell struct {
	v      any
	numFmt int
	custom string
}

// writeXLSX builds a real workbook with excelize, as an office suite would
// save it: dates as serial numbers with a date format, months typed as
// numbers, phones as number cells.
func writeXLSX(t *testing.T, rows [][]xlsxCell) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, cell := range row {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			var err error
			switch v := cell.v.(type) {
			case string:
				err = f.SetCellStr("Sheet1", name, v)
			case float64:
				err = f.SetCellFloat("Sheet1", name, v, -1, 64)
			case int:
				err = f.SetCellInt("Sheet1", name, int64(v))
			}
			if err != nil {
				t.Fatal(err)
			}
			if cell.numFmt != 0 || cell.custom != "" {
				st := &excelize.Style{NumFmt: cell.numFmt}
				if cell.custom != "" {
					st.CustomNumFmt = &cell.custom
				}
				id, err := f.NewStyle(st)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.SetCellStyle("Sheet1", name, name, id); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "附件2.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func text(s string) xlsxCell { return xlsxCell{v: s} }

var pool2Header = []xlsxCell{text("姓  名"), text("性别"), text("出生年月"), text("单  位"), text("职  务"), text("手机号")}

// Months and dates are read from the cell's value and its number format:
// a date cell, 1983/3, 1983.03 typed as a number, 1983年3月, Mar-83 as a
// formatted date and as text, 1983.10 shown with two decimals; phones as
// number cells or with spaces and +86.
func TestImportXLSXMonths(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	path := writeXLSX(t, [][]xlsxCell{
		{text("附件2")},
		pool2Header,
		{text("李四"), text("女"), {v: serial(1983, 3, 15), numFmt: 14}, text("温县第一中学"), text("教师"), {v: 13812345678}},
		{text("王芳"), text("女"), text("1983/3"), text("县委党校"), text("讲师"), text("138 1234 5601")},
		{text("赵强"), text("男"), {v: 1983.03}, text("县委党校"), text("讲师"), text("+86 138-1234-5602")},
		{text("孙六"), text("男"), text("1983年3月"), text("城关镇政府"), text("镇长"), text("0086 13812345603")},
		{text("周七"), text("女"), {v: serial(1983, 3, 1), custom: "mmm-yy"}, text("城关镇政府"), text("干事"), {v: 13812345604.0}},
		{text("吴八"), text("男"), text("Mar-83"), text("城关镇政府"), text("干事"), text("13812345605")},
		{text("郑九"), text("男"), {v: 1983.1, numFmt: 2}, text("温县第一中学"), text("教师"), text("13812345606")},
		{text("冯十"), text("女"), {v: serial(1983, 10, 1), numFmt: 27}, text("温县第一中学"), text("教师"), text("13812345607")},
		{text("褚一"), text("女"), text("1983-10-08"), text("温县第一中学"), text("教师"), text("13812345608")},
	})
	src, err := report.OpenFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := importer(st).Instructors(ctx, src, county)
	if err != nil || res.Added != 9 {
		t.Fatalf("%+v %v", res, err)
	}
	list, _ := st.Instructors(ctx, county.ID)
	var got []string
	for _, in := range list {
		got = append(got, in.Name+" "+in.Birth()+" "+in.Workplace+" "+in.Phone)
	}
	want := []string{
		"李四 1983-03 温县第一中学 13812345678", "王芳 1983-03 县委党校 13812345601", "赵强 1983-03 县委党校 13812345602",
		"孙六 1983-03 城关镇政府 13812345603", "周七 1983-03 城关镇政府 13812345604", "吴八 1983-03 城关镇政府 13812345605",
		"郑九 1983-10 温县第一中学 13812345606", "冯十 1983-10 温县第一中学 13812345607", "褚一 1983-10 温县第一中学 13812345608",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("pool:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A month typed as the number 1983.1 may be January or October (the
// spreadsheet dropped the zero of 1983.10): the row is refused, named,
// never guessed — in XLSX and in CSV, which may have been saved from one.
func TestImportAmbiguousMonth(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	path := writeXLSX(t, [][]xlsxCell{
		pool2Header,
		{text("李四"), text("女"), {v: 1983.03}, text("县委党校"), text("教师"), text("13812345678")},
		{text("王芳"), text("女"), {v: 1983.1}, text("县委党校"), text("讲师"), text("13812345679")},
	})
	src, err := report.OpenFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = importer(st).Instructors(ctx, src, county)
	want := "第 3 行：出生年月「1983.1」是数字，可能是 1983-01 也可能是 1983-10"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %s", err, want)
	}
	if n, _ := st.PoolSize(ctx, county.ID); n != 0 {
		t.Fatalf("pool has %d after a refused import", n)
	}
	_, err = importer(st).Instructors(ctx, csvRows("姓名,性别,出生年月,单位,职务,手机号", "李四,女,1983.10,县委党校,教师,13812345678", "王芳,女,1983.1,县委党校,讲师,13812345679"), county)
	if err == nil || !strings.Contains(err.Error(), "第 3 行：出生年月「1983.1」是数字") || strings.Contains(err.Error(), "第 2 行") {
		t.Fatalf("csv: %v", err)
	}
}

// 单位 is the workplace; the pool comes from --unit or a 县市区 column,
// and a row naming another county than --unit is refused.
func TestImportInstructorCounty(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	rows := csvRows("姓名,性别,出生年月,单位,职务,手机号", "李四,女,1985-03,县委党校,教师,13812345678")
	if _, err := importer(st).Instructors(ctx, rows, nil); err == nil || !strings.Contains(err.Error(), "用 --unit 温县，或在表中加一列「县市区」") {
		t.Fatalf("no county: %v", err)
	}
	town, _ := st.UnitByPath(ctx, "温县/城关镇")
	if _, err := importer(st).Instructors(ctx, rows, town); err == nil || !strings.Contains(err.Error(), "--unit 应为县市区") {
		t.Fatalf("town as county: %v", err)
	}
	res, err := importer(st).Instructors(ctx, csvRows("姓名,性别,出生年月,单位,职务,手机号,县市区",
		"李四,女,1985-03,县委党校,教师,13812345678,温县",
		"王芳,女,1985-03,孟州市委党校,教师,13812345678,孟州市",
		"赵强,男,1985-03,县委党校,教师,13812345679,"), county)
	if err == nil || len(res.Problems) != 1 || !strings.Contains(err.Error(), "第 3 行：县市区「孟州市」与 --unit 温县 不符") {
		t.Fatalf("county column: %+v %v", res, err)
	}
	res, err = importer(st).Instructors(ctx, csvRows("姓名,性别,出生年月,单位,职务,手机号,县市区",
		"李四,女,1985-03,县委党校,教师,13812345678,温县",
		"王芳,女,1985-03,孟州市委党校,教师,13812345678,孟州市"), nil)
	if err != nil || res.Added != 2 {
		t.Fatalf("two pools: %+v %v", res, err)
	}
	meng, _ := st.UnitByPath(ctx, "孟州市")
	if a, _ := st.PoolSize(ctx, county.ID); a != 1 {
		t.Fatalf("温县 pool %d", a)
	}
	if b, _ := st.Instructors(ctx, meng.ID); len(b) != 1 || b[0].Workplace != "孟州市委党校" {
		t.Fatalf("孟州市 pool %+v", b)
	}
}

// A file above the size limit is refused before it is read.
func TestImportMaxSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(strings.Repeat("姓名,性别\n", 256)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := report.OpenFile(path, 1024)
	if err == nil || dangke.ErrorMessage(err) != "文件 big.csv 有 3.5 KB，超过导入上限 1 KB；请拆成几个文件分别导入，或用 --max-size 调高上限。" {
		t.Fatalf("got %v", err)
	}
	if n, err := report.ParseSize("20MB"); err != nil || n != 20<<20 {
		t.Fatalf("20MB = %d %v", n, err)
	}
}

// An import of many rows beside the running bot: the bot (another store on
// the same database file, as another process) logs lectures all along, and
// none of its writes fails or waits long, because the import writes in
// short transactions with a break between them.
func TestImportBesideBot(t *testing.T) {
	if testing.Short() {
		t.Skip("40,000 rows")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	bot, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	seed(t, bot)
	branch, _ := bot.UnitByPath(ctx, "温县/城关镇/第一党支部")
	cli, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failures []error
	var slowest time.Duration
	writes := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			l := dangke.Lecture{UnitID: branch.ID, Speaker: "张三", Position: "支部书记", Title: fmt.Sprint("第", i, "课"),
				Date: time.Date(2019, 7, 1, 0, 0, 0, 0, cst), Attendees: 10, Form: "普通", Author: "x", Chat: "x"}
			began := time.Now()
			if err := bot.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &l) }); err != nil {
				failures = append(failures, err)
			}
			slowest = max(slowest, time.Since(began))
			writes++
		}
	}()
	timed := &holdTimer{Store: cli}
	im := &report.Importer{Store: timed, Actor: "cli:test", Now: today, Progress: timed.progress}
	began := time.Now()
	rows := 40000
	if raceBuild { // the race detector's SQLite is several times slower: a publish of 40,000 rows nears the busy timeout
		rows = 8000
	}
	res, err := im.Instructors(ctx, lecturerRows(rows), nil)
	took := time.Since(began)
	close(stop)
	wg.Wait()
	if err != nil || res.Added != rows {
		t.Fatalf("import: %+v %v", res, err)
	}
	if len(failures) > 0 {
		t.Fatalf("%d of %d bot writes failed during the import: %v", len(failures), writes, failures[0])
	}
	// In one transaction the import would hold the database for most of
	// its time; in batches a bot write waits at most about one batch. The
	// last transaction, which publishes the rows, is short: it copied them
	// from a staging table before (about a quarter of the import's time at
	// 40,000 rows, the import's longest transaction by far); now it ends
	// their import's pending state, far shorter than a batch.
	if !raceBuild && (slowest > 2*time.Second || slowest > max(took/2, 2*timed.longest)) {
		t.Fatalf("a bot write waited %v during the %v import (%d writes)", slowest, took, writes)
	}
	if timed.publish == 0 {
		t.Fatal("no publishing transaction was timed")
	}
	if !raceBuild && timed.publish > timed.longest/2 {
		t.Fatalf("the publishing transaction held the writer %v, the longest batch %v", timed.publish, timed.longest)
	}
	t.Logf("%d bot writes during the %v import, the slowest %v; the import's longest transaction %v, the publishing one %v",
		writes, took, slowest, timed.longest, timed.publish)
}

// 附件2 as exported (title rows, the header on row 4, ruled empty rows)
// imports from the file itself into another database, and a date cell that
// is refused is quoted as its day in the rejects.
func TestImportExportedForm2(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	county := seed(t, st)
	if _, err := importer(st).Instructors(ctx, csvRows("姓名,性别,出生年月,单位,职务,手机号",
		"李四,女,1985-03,温县第一中学,教师,13812345678", "王芳,女,1990.11,县委党校,讲师,13900001111"), county); err != nil {
		t.Fatal(err)
	}
	f, err := report.Form2(ctx, st, "焦作市", county)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "附件2.xlsx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := report.OpenFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fresh := openStore(t)
	seed(t, fresh)
	if res, err := importer(fresh).Instructors(ctx, src, county); err != nil || res.Added != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	list, _ := fresh.Instructors(ctx, county.ID)
	if len(list) != 2 || list[1].Workplace != "县委党校" || list[1].Birth() != "1990-11" {
		t.Fatalf("%+v", list)
	}

	bad := writeXLSX(t, [][]xlsxCell{pool2Header,
		{text("赵强"), text("男"), {v: serial(1910, 1, 5), numFmt: 14}, text("县委党校"), text("讲师"), text("13812345670")}})
	src2, err := report.OpenFile(bad, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	im := importer(fresh)
	im.SkipInvalid = true
	res, err := im.Instructors(ctx, src2, county)
	if err != nil || !strings.Contains(string(res.Rejects()), "2,赵强,男,1910-01-05,县委党校") {
		t.Fatalf("%v %+v %s", err, res, res.Rejects())
	}
}
