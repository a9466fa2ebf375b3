package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dangke"
	"dangke/report"
	"dangke/store"
)

var (
	cst   = time.FixedZone("CST", 8*3600)
	today = time.Date(2019, 9, 28, 10, 0, 0, 0, cst)
)

func openStore(t testing.TB) *store.Store {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func importer(st dangke.Store) *report.Importer {
	return &report.Importer{Store: st, Actor: "cli:test", Now: today}
}

func csvRows(lines ...string) report.Lines {
	rows, err := report.ReadTable("x.csv", []byte(strings.Join(lines, "\n")))
	if err != nil {
		panic(err)
	}
	return rows
}

// seed builds a small county with lectures and lecturers.
func seed(t testing.TB, st *store.Store) *dangke.Unit {
	ctx := context.Background()
	if _, err := importer(st).Units(ctx, csvRows("单位,党员数", "温县/城关镇/第一党支部,40", "温县/城关镇/第二党支部,10", "温县/温县一中,30", "孟州市/机关党支部,5")); err != nil {
		t.Fatal(err)
	}
	b1, _ := st.UnitByPath(ctx, "温县/城关镇/第一党支部")
	b2, _ := st.UnitByPath(ctx, "温县/城关镇/第二党支部")
	for _, l := range []dangke.Lecture{
		{UnitID: b1.ID, Speaker: "张三", Position: "支部书记", Title: "我和我的祖国", Date: time.Date(2019, 7, 1, 0, 0, 0, 0, cst), Attendees: 40, Satisfied: 38, Surveyed: 40, Leader: true},
		{UnitID: b1.ID, Speaker: "李四", Position: "党员", Title: "初心不改", Date: time.Date(2019, 7, 8, 0, 0, 0, 0, cst), Attendees: 30},
		{UnitID: b2.ID, Speaker: "王五", Position: "组织委员", Title: "奋斗的青春", Date: time.Date(2019, 8, 2, 0, 0, 0, 0, cst), Attendees: 12, Satisfied: 11, Surveyed: 12},
	} {
		l.Form, l.Author, l.Chat = "普通", "x", "x"
		if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.AddLecture(ctx, &l) }); err != nil {
			t.Fatal(err)
		}
	}
	county, _ := st.UnitByPath(ctx, "温县")
	return county
}

// 附件1 read back cell by cell: the title merged across the columns, the
// header line, every lecture, the footer with /统计's figures, and the
// print settings.
func TestForm1XLSX(t *testing.T) {
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
	report.SameAsExcelize(t, "附件1", f)
	x, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	want := map[string]string{
		"A1": "附件1", "A2": "焦作市“我和我的祖国”微型党课系列活动统计表", "A3": "报送单位（盖章）：温县", "C3": "报送日期：2019年9月28日",
		"A4": "讲课人姓名", "B4": "职  务", "C4": "微党课题目", "D4": "讲课日期", "E4": "听课人数",
		"A5": "张三", "B5": "支部书记", "C5": "我和我的祖国", "D5": "2019-07-01", "E5": "40",
		"A6": "李四", "B6": "党员", "C6": "初心不改", "D6": "2019-07-08", "E6": "30",
		"A7": "王五", "B7": "组织委员", "C7": "奋斗的青春", "D7": "2019-08-02", "E7": "12",
		"A8": "", "E14": "",
		"A15": "我单位党员上台讲微党课共计 3 次，占党员总数的 3.8%，党员满意率为 94.2%。",
	}
	for cell, v := range want {
		got, err := x.GetCellValue("附件1", cell)
		if err != nil || got != v {
			t.Errorf("%s = %q, want %q (%v)", cell, got, v, err)
		}
	}
	merged, _ := x.GetMergeCells("附件1")
	var spans []string
	for _, m := range merged {
		spans = append(spans, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	for _, span := range []string{"A2:E2", "A3:B3", "C3:E3", "A15:E15"} {
		if !strings.Contains(strings.Join(spans, " "), span) {
			t.Errorf("%s not merged: %v", span, spans)
		}
	}
	layout, err := x.GetPageLayout("附件1")
	if err != nil || *layout.Size != 9 || *layout.Orientation != "portrait" {
		t.Errorf("page layout %+v %v", layout, err)
	}
	found := false
	for _, d := range x.GetDefinedName() {
		found = found || (d.Name == "_xlnm.Print_Titles" && d.RefersTo == "'附件1'!$4:$4")
	}
	if !found {
		t.Errorf("no repeated header row: %+v", x.GetDefinedName())
	}
	style, _ := x.GetCellStyle("附件1", "C6")
	if st, err := x.GetStyle(style); err != nil || len(st.Border) != 4 {
		t.Errorf("data cells are not bordered: %+v", st)
	}
	// The footer says what /统计 says.
	fig, _ := st.Figures(ctx, county.ID, dangke.Period{})
	if report.Footer(fig) != want["A15"] {
		t.Errorf("footer %q", report.Footer(fig))
	}
	// A period keeps only its lectures, and the footer follows.
	july := dangke.Period{From: time.Date(2019, 7, 1, 0, 0, 0, 0, cst), To: time.Date(2019, 7, 31, 0, 0, 0, 0, cst)}
	f2, _ := report.Form1(ctx, st, "焦作市", "", county, july, today)
	if _, err := f2.CSV(); err != nil || f2.RowCount() != 2 || !strings.Contains(f2.Footer, "共计 2 次") {
		t.Errorf("july: %d rows %q %v", f2.RowCount(), f2.Footer, err)
	}
	// A branch's form names it with the units above it: two towns' branches
	// are often both 第一党支部, and their stamped forms must not read alike.
	b1, _ := st.UnitByPath(ctx, "温县/城关镇/第一党支部")
	if f3, _ := report.Form1(ctx, st, "焦作市", "", b1, july, today); f3 == nil || f3.Left != "报送单位（盖章）：温县城关镇第一党支部" {
		t.Errorf("branch form: %+v", f3)
	}
	csv, _ := f.CSV()
	if !strings.HasPrefix(string(csv), "\ufeff讲课人姓名,职  务,微党课题目,讲课日期,听课人数\n张三,支部书记") {
		t.Errorf("csv %q", csv)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func form2Cells(t *testing.T, st *store.Store) [][]string {
	ctx := context.Background()
	county, err := st.UnitByPath(ctx, "温县")
	if err != nil {
		t.Fatal(err)
	}
	f, err := report.Form2(ctx, st, "焦作市", county)
	if err != nil {
		t.Fatal(err)
	}
	report.SameAsExcelize(t, "附件2", f)
	data, err := f.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := report.ReadTable("附件2.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// 附件2 exported, imported into a fresh database, and exported again gives
// the same cells.
func TestForm2RoundTrip(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	res, err := importer(st).Instructors(ctx, csvRows(
		"姓名,性别,出生年月,单位,职务,手机号,县市区",
		"李四,女,1985-03,温县一中,教师,13812345678,温县",
		"王芳,女,1990.11,城关镇/第一党支部,支部书记,１３９００００１１１１,温县",
		"赵强,男,198001,县委党校,党员,+86 156-1234-5678,温县"), nil)
	if err != nil || res.Added != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	first := form2Cells(t, st)
	if first[4][0] != "李四" || first[5][5] != "13900001111" || first[1][0] != "焦作市微型党课宣讲员师资库统计表" || first[2][0] != "县市区（盖章）：温县" {
		t.Fatalf("cells %q", first)
	}
	fresh := openStore(t)
	seed(t, fresh)
	county, _ := fresh.UnitByPath(ctx, "温县")
	data, _ := report.Form2(ctx, st, "焦作市", county) // the county ids match: same seed
	raw, _ := data.XLSX()
	rows := report.Lines(must(report.ReadTable("附件2.xlsx", raw)))
	if res, err := importer(fresh).Instructors(ctx, rows, county); err != nil || res.Added != 3 {
		t.Fatalf("import of the export: %+v %v", res, err)
	}
	second := form2Cells(t, fresh)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatalf("round trip differs:\n%q\n%q", first, second)
	}
	// Importing the same file again changes nothing.
	if res, err := importer(fresh).Instructors(ctx, rows, county); err != nil || res.Added != 0 || res.Unchanged != 3 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
}

func TestImportProblems(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	// A wrong header.
	county, _ := st.UnitByPath(ctx, "温县")
	if _, err := importer(st).Instructors(ctx, csvRows("名字,性别,出生年月,单位,职务,电话号", "李四,女,1985-03,温县一中,教师,13812345678"), county); err == nil || !strings.Contains(err.Error(), "找不到表头") {
		t.Fatalf("wrong header: %v", err)
	}
	// Row 57 has a bad phone; rows 10 and 20 share a phone; row 30 clashes
	// with a lecturer already in the pool. Nothing is imported.
	if _, err := importer(st).Instructors(ctx, csvRows("姓名,性别,出生年月,单位,职务,手机号", "已有,男,1970-01,温县一中,教师,13700000000"), county); err != nil {
		t.Fatal(err)
	}
	lines := []string{"手机号,职务,单位,出生年月,性别,姓名"} // any column order
	for i := 2; i <= 60; i++ {
		phone := fmt.Sprintf("139%08d", i)
		switch i {
		case 57:
			phone = "1391234"
		case 20:
			phone = fmt.Sprintf("139%08d", 10)
		case 30:
			phone = "13700000000"
		}
		lines = append(lines, fmt.Sprintf("%s,教师,温县一中,1980-%02d,男,宣讲员%c", phone, 1+i%12, rune('甲'+i)))
	}
	res, err := importer(st).Instructors(ctx, csvRows(lines...), county)
	if err == nil || len(res.Problems) != 3 {
		t.Fatalf("%v %+v", err, res)
	}
	for _, want := range []string{"第 20 行：手机号 139****0010 与第 10 行重复", "第 30 行：手机号 137****0000 已登记在温县师资库（已有）", "第 57 行：手机号应为 11 位数字，收到的是 7 位"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n, _ := st.PoolSize(ctx, county.ID); n != 1 {
		t.Fatalf("pool has %d after a refused import", n)
	}
	// With SkipInvalid the valid rows go in and the rejects come back.
	im := importer(st)
	im.SkipInvalid = true
	res, err = im.Instructors(ctx, csvRows(lines...), county)
	if err != nil || res.Added != 56 {
		t.Fatalf("%+v %v", res, err)
	}
	if rej := string(res.Rejects()); !strings.Contains(rej, "57,1391234,教师,温县一中") || strings.Count(rej, "\n") != 4 {
		t.Fatalf("rejects %q", rej)
	}
	// Units: a bad count and a duplicate path, by row.
	_, err = importer(st).Units(ctx, csvRows("单位,党员数", "温县/新区/一支部,abc", "温县/新区/二支部,5", "温县/新区/二支部,6"))
	if err == nil || !strings.Contains(err.Error(), "第 2 行：党员数应为 0 以上的整数") || !strings.Contains(err.Error(), "第 4 行：单位「温县/新区/二支部」与第 3 行重复") {
		t.Fatalf("units: %v", err)
	}
	// Members: set, then unchanged on a second run.
	rows := csvRows("单位,党员数", "温县/城关镇/第一党支部,44", "孟州市/机关党支部,5")
	if res, err := importer(st).Members(ctx, rows, nil); err != nil || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("members: %+v %v", res, err)
	}
	if res, err := importer(st).Members(ctx, rows, nil); err != nil || res.Updated != 0 || res.Unchanged != 2 {
		t.Fatalf("members again: %+v %v", res, err)
	}
}

// lecturerRows makes an n-row lecturer pool file.
func lecturerRows(n int) report.Lines {
	rows := report.Lines{{"姓名", "性别", "出生年月", "单位", "职务", "手机号", "县市区"}}
	for i := 0; i < n; i++ {
		rows = append(rows, []string{"宣讲员" + string(rune('甲'+i%100)), "女", fmt.Sprintf("19%02d-%02d", 60+i%40, 1+i%12), "温县一中", "教师", fmt.Sprintf("13%09d", i), "温县"})
	}
	return rows
}

func TestImportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 rows")
	}
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	calls := 0
	im := importer(st)
	im.Progress = func(s report.Step) {
		if s.Stage == "检查" {
			calls++
		}
	}
	res, err := im.Instructors(ctx, lecturerRows(50000), nil)
	if err != nil || res.Added != 50000 || calls != 51 {
		t.Fatalf("%+v %v progress calls %d", res, err, calls)
	}
}

// BenchmarkImport50k imports a 50,000-row lecturer pool: read, check every
// row, read again and write in short transactions with breaks between them.
func BenchmarkImport50k(b *testing.B) {
	ctx := context.Background()
	rows := lecturerRows(50000)
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		seed(b, st)
		b.StartTimer()
		if res, err := importer(st).Instructors(ctx, rows, nil); err != nil || res.Added != 50000 {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkImportUnits imports a units roster of 10,000 branches under 40
// counties and 400 towns (10,440 units with the parents it creates), as a
// province's first import would, and reports the CPU time a unit: every
// unit fires the subtree triggers, whose programs SQLite compiles with each
// statement it parses.
func BenchmarkImportUnits(b *testing.B) {
	ctx := context.Background()
	rows := report.Lines{{"单位", "党员数"}}
	for c := range 40 {
		for t := range 10 {
			for k := range 25 {
				rows = append(rows, []string{fmt.Sprintf("县%d/镇%d_%d/支部%d_%d_%d", c, c, t, c, t, k), fmt.Sprint(5 + k)})
			}
		}
	}
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		im := importer(st)
		im.Pause = time.Millisecond // the breaks between transactions are not the cost measured
		b.StartTimer()
		cpu0 := cpuTime()
		res, err := im.Units(ctx, rows)
		cpu += cpuTime() - cpu0
		if err != nil || res.Added != 10000 {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/10440, "cpu-µs/unit")
}
