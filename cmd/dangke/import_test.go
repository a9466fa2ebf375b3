package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dangke/store"
)

// runMain runs one dangke command line and returns its output.
func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	err := m.ParseFlags(args)
	if err == nil {
		err = m.Run(context.Background())
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), err
}

// importDB makes an empty database (a deployment's exists before anything
// is imported into it) and returns it with a writer of files beside it.
func importDB(t *testing.T) (db string, write func(name, text string) string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "d.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db, func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// The README's import lines work as written; a file above --max-size, or
// above import.max_size from the config, is refused before it is read.
func TestImportCommand(t *testing.T) {
	db, write := importDB(t)
	units := write("单位.csv", "单位,党员数\n温县/城关镇/第一党支部,45\n孟州市/机关党支部,10\n")
	if out, err := runMain(t, "import", "units", units, "--db", db); err != nil || !strings.Contains(out, "新增 2") {
		t.Fatalf("units: %v %s", err, out)
	}
	pool := write("师资库.csv", "姓名,性别,出生年月,单位,职务,手机号\n李四,女,1985-03,县委党校,教师,138 1234 5678\n王芳,女,1990.11,温县第一中学,教师,+86 139-0000-1111\n")
	if out, err := runMain(t, "import", "instructors", pool, "--unit", "温县", "--db", db); err != nil || !strings.Contains(out, "新增 2") {
		t.Fatalf("instructors: %v %s", err, out)
	}
	if _, err := runMain(t, "import", "instructors", pool, "--db", db); err == nil || !strings.Contains(err.Error(), "--unit 温县") {
		t.Fatalf("no county: %v", err)
	}
	if _, err := runMain(t, "import", "instructors", pool, "--unit", "温县", "--max-size", "100B", "--db", db); err == nil || !strings.Contains(err.Error(), "超过导入上限 100 字节") {
		t.Fatalf("--max-size: %v", err)
	}
	if _, err := runMain(t, "import", "instructors", pool, "--max-size", "lots"); err == nil || !strings.Contains(err.Error(), "--max-size") {
		t.Fatalf("bad --max-size: %v", err)
	}
	cfg := write("dangke.yaml", "db: "+db+"\nimport:\n  max_size: 100B\n")
	if _, err := runMain(t, "import", "instructors", pool, "--unit", "温县", "--config", cfg); err == nil || !strings.Contains(err.Error(), "超过导入上限 100 字节") {
		t.Fatalf("import.max_size: %v", err)
	}
	if out, err := runMain(t, "import", "instructors", pool, "--unit", "温县", "--config", cfg, "--max-size", "1MB"); err != nil || !strings.Contains(out, "未变 2") {
		t.Fatalf("--max-size over the config: %v %s", err, out)
	}
}

// An imported unit named almost as one beside it (第一支部 beside
// 第一党支部, 城关真 beside 城关镇) is refused as a slip unless
// --accept-similar; after a units or members import the units it leaves out
// of the share of members are named, as /统计 names them.
func TestImportChecksLikeChat(t *testing.T) {
	db, write := importDB(t)
	first := write("a.csv", "单位,党员数\n温县/城关镇/第一党支部,45\n温县/城关镇/第二党支部\n")
	if out, err := runMain(t, "import", "units", first, "--db", db); err != nil || !strings.Contains(out, "新增 2") ||
		!strings.Contains(out, "注意：另有 1 个支部未填党员数：温县/城关镇/第二党支部，未计入上台率。") {
		t.Fatalf("units: %v %s", err, out)
	}
	slips := write("b.csv", "单位,党员数\n温县/城关镇/第一支部,10\n温县/城关真/第五党支部,7\n温县/城关镇/第三党支部,8\n温县/城关镇/第3党支部,8\n")
	_, err := runMain(t, "import", "units", slips, "--db", db)
	for _, want := range []string{"3 行有问题，未导入任何内容",
		"第 2 行：单位「温县/城关镇/第一支部」与已有的「温县/城关镇/第一党支部」几乎同名",
		"第 3 行：单位「温县/城关真」与已有的「温县/城关镇」几乎同名",
		"第 5 行：单位「温县/城关镇/第3党支部」与已有的「温县/城关镇/第三党支部」几乎同名", "--accept-similar"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("slips: want %q in %v", want, err)
		}
	}
	if out, err := runMain(t, "import", "units", slips, "--db", db, "--accept-similar"); err != nil || !strings.Contains(out, "新增 4") {
		t.Fatalf("--accept-similar: %v %s", err, out)
	}
}

// dangke purge deletes old message records and needs an existing database
// and a date.
func TestPurgeCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	if _, err := runMain(t, "purge", "--before", "2020-01-01", "--db", db); err == nil || !strings.Contains(err.Error(), "数据库不存在") {
		t.Fatalf("missing database: %v", err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := runMain(t, "purge", "--db", db); err == nil || !strings.Contains(err.Error(), "--before") {
		t.Fatalf("no date: %v", err)
	}
	if _, err := runMain(t, "purge", "--before", "去年", "--db", db); err == nil || !strings.Contains(err.Error(), "不是日期") {
		t.Fatalf("bad date: %v", err)
	}
	out, err := runMain(t, "purge", "--before", "2020-01-01", "--db", db)
	if err != nil || !strings.Contains(out, "已删除 2020-01-01 之前的 0 条消息记录") {
		t.Fatalf("purge: %v %s", err, out)
	}
}
