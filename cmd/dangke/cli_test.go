package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// newDB makes a database the way `dangke console` does, with one county.
func newDB(t *testing.T, path string) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = st.Update(ctx, func(tx dangke.Tx) error {
		return tx.AddUnit(ctx, &dangke.Unit{Name: "温县", Kind: dangke.KindCounty, Members: 10})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// run runs dangke with args and returns its output and error.
func run(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return time.Date(2019, 7, 15, 10, 0, 0, 0, time.UTC) }}
	err := m.ParseFlags(args)
	if err == nil {
		err = m.Run(context.Background())
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), errs.String(), err
}

// The commands that read a deployment refuse a database path where none
// exists, and create nothing there; the bot and the console create one and
// say so.
func TestReadersRefuseMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "typo.db")
	units := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(units, []byte("路径,党员数\n温县,10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"backup", "--db", db, "--out", filepath.Join(dir, "b.db")},
		{"export", "form1", "--db", db, "--out", filepath.Join(dir, "f.xlsx")},
		{"digest", "--db", db, "--dry-run"},
		{"import", "units", units, "--db", db},
	} {
		_, _, err := run(t, nil, args...)
		if !errors.Is(err, store.ErrNoDatabase) || !strings.Contains(err.Error(), "dangke console --db") {
			t.Errorf("%s: %v", args[0], err)
		}
		if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s created the database", args[0])
		}
	}
	_, logs, err := run(t, nil, "console", "--db", db)
	if err != nil || !strings.Contains(logs, "新建了数据库") {
		t.Fatalf("console: %v\n%s", err, logs)
	}
	_, logs, err = run(t, nil, "console", "--db", db, "--check")
	if err != nil || strings.Contains(logs, "新建了数据库") {
		t.Fatalf("console again: %v\n%s", err, logs)
	}
}

// A damaged database stops the start with a message.
func TestStartChecksDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	if err := os.WriteFile(db, bytes.Repeat([]byte("not sqlite "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, nil, "console", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "不是可用的 SQLite 数据库") {
		t.Fatalf("err %v", err)
	}
}

// backup writes the copy in one step, private, and never over a file.
func TestBackupAtomic(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	newDB(t, db)
	out := filepath.Join(dir, "backups", "b.db")
	if _, _, err := run(t, nil, "backup", "--db", db, "--out", out); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", err, st)
	}
	_, _, err := run(t, nil, "backup", "--db", db, "--out", out)
	if err == nil || !strings.Contains(err.Error(), "已存在") {
		t.Fatalf("err %v", err)
	}
	if es, _ := os.ReadDir(filepath.Dir(out)); len(es) != 1 {
		t.Fatalf("backup folder holds %d files", len(es))
	}
}

// An export that fails leaves no file (not even an empty one), and one
// that succeeds is private.
func TestExportAtomic(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	newDB(t, db)
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, nil, "export", "form1", "--db", db, "--out", filepath.Join(blocked, "附件1.xlsx"))
	if err == nil || !strings.Contains(err.Error(), "导出失败") {
		t.Fatalf("err %v", err)
	}
	out := filepath.Join(dir, "附件1.csv")
	if _, _, err := run(t, nil, "export", "form1", "--db", db, "--out", out); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Fatalf("%v %v", err, st)
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// Every subcommand has a Chinese --help listing its flags; --version works;
// bad flags are refused in Chinese with an example.
func TestSubcommandHelp(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"":             {"--config", "--db", "--check", "--version"},
		"console":      {"--config", "--db", "--check"},
		"digest":       {"-week", "2019-07-15", "-unit", "-dry-run", "-force", "示例"},
		"backup":       {"-out", "示例"},
		"export":       {"-out", "-from", "-to", "-format", "-unit", "示例"},
		"import":       {"-unit", "-skip-invalid", "-rejects", "示例"},
		"service":      {"install", "uninstall", "-config", "示例"},
		"seed":         {"-branches", "-lectures", "-chats", "示例"},
		"check-totals": {"-fix", "示例"},
	} {
		args := []string{"--help"}
		if cmd != "" {
			args = []string{cmd, "--help"}
		}
		out, _, err := run(t, nil, args...)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s --help: %v", cmd, err)
		}
		for _, f := range flags {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help lacks %s:\n%s", cmd, f, out)
			}
		}
		if !strings.Contains(out, "用法") {
			t.Errorf("%s --help is not in Chinese:\n%s", cmd, out)
		}
	}
	out, _, err := run(t, nil, "help", "digest")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "--week") && !strings.Contains(out, "-week") {
		t.Errorf("help digest: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, err := run(t, nil, args...)
		if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out, "dangke ") || !strings.Contains(out, "go1") {
			t.Errorf("%v: %v %q", args, err, out)
		}
	}
	for args, want := range map[string]string{
		"digest --nope":             "没有选项 -nope；例如 dangke digest",
		"digest --week":             "选项 -week 后面要跟一个值",
		"digest extra":              "多余的参数「extra」",
		"backup":                    "backup 要用 --out 指定备份文件，例如 dangke backup --out",
		"export form3 --out x.csv":  "export 只能导出 form1、form2、archive 或 report，不是「form3」",
		"export form2 --out x.xlsx": "例如 dangke export form2 --unit 温县",
		"import":                    "例如 dangke import units 单位.xlsx",
		"serve":                     "没有子命令「serve」",
		"--nope":                    "没有选项 -nope",
		"service restart":           "service 没有动作「restart」",
	} {
		_, _, err := run(t, nil, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("dangke %s: %v, want %q", args, err, want)
		}
	}
}

// --week takes an ISO week or any day of it; a week outside the campaign
// is not sent unless --force, as the scheduler does.
func TestDigestWeekAndCampaign(t *testing.T) {
	for in, want := range map[string]string{"2019-07-15": "2019-07-15", "2019-07-21": "2019-07-15", "2019-W29": "2019-07-15", "2020-W01": "2019-12-30"} {
		p, err := parseWeek(in, time.UTC)
		if err != nil || p.From.Format(dangke.DateLayout) != want {
			t.Errorf("%s: %v %v", in, p.From, err)
		}
	}
	if _, err := parseWeek("7月15日", time.UTC); err == nil || !strings.Contains(err.Error(), "--week 2019-07-15") {
		t.Errorf("bad week: %v", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	newDB(t, db)
	_, _, err := run(t, nil, "digest", "--db", db, "--week", "2020-03-02")
	if err == nil || !strings.Contains(err.Error(), "不在活动期间") || !strings.Contains(err.Error(), "--week 2020-W10 --force") {
		t.Fatalf("outside the campaign: %v", err)
	}
	out, _, err := run(t, nil, "digest", "--db", db, "--week", "2020-03-02", "--force")
	if err != nil || !strings.Contains(out, "发送 0") {
		t.Fatalf("--force: %v %s", err, out)
	}
	if out, _, err = run(t, nil, "digest", "--db", db, "--week", "2020-03-02", "--dry-run"); err != nil {
		t.Fatalf("--dry-run: %v %s", err, out)
	}
	if out, _, err = run(t, nil, "digest", "--db", db, "--week", "2019-07-15"); err != nil {
		t.Fatalf("inside: %v %s", err, out)
	}
}

// At start the bot warns, once and at warn, when the campaign has ended.
func TestCampaignWarningAtStart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" },
		Now: func() time.Time { return time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC) }}
	if err := m.ParseFlags([]string{"console", "--db", db}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if n := strings.Count(errs.String(), "level=WARN msg=\"活动已结束"); n != 1 {
		t.Fatalf("%d warnings:\n%s", n, errs.String())
	}
	_, logs, err := run(t, nil, "console", "--db", db) // 2019-07-15: inside
	if err != nil || strings.Contains(logs, "WARN") {
		t.Fatalf("inside the campaign: %v\n%s", err, logs)
	}
}

// dangke service is for Windows; elsewhere it points to systemd.
func TestServiceElsewhere(t *testing.T) {
	if testingOnWindows() {
		t.Skip("the service is installed for real on Windows")
	}
	cfg := filepath.Join(t.TempDir(), "dangke.yaml")
	if err := os.WriteFile(cfg, []byte("db: d.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, nil, "service", "install", "--config", cfg)
	if err == nil || !strings.Contains(err.Error(), "systemd") {
		t.Fatalf("err %v", err)
	}
	_, _, err = run(t, nil, "service", "install")
	if err == nil || !strings.Contains(err.Error(), "--config") {
		t.Fatalf("err %v", err)
	}
}

func testingOnWindows() bool { return os.PathSeparator == '\\' }
