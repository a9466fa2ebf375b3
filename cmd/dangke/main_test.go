package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke/commands"
	"dangke/store"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"ADMIN_ID": "manager123"}
	getenv := func(k string) string { return env[k] }

	write("db: x.db\ncity: 焦作市\nadmins: [\"dingtalk:${ADMIN_ID}\"]\nundo_window: 2h\n")
	cfg, err := loadConfig(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "x.db" || cfg.Admins[0] != "dingtalk:manager123" || cfg.UndoWindow != 2*time.Hour || cfg.Timezone != "Asia/Shanghai" {
		t.Fatalf("%+v", cfg)
	}
	for name, bad := range map[string]string{
		"unknown key":   "dbb: x.db\n",
		"missing env":   "city: ${NOT_SET}\n",
		"bad admin":     "admins: [\"manager123\"]\n",
		"bad timezone":  "timezone: Mars/Olympus\n",
		"bad duration":  "undo_window: soon\n",
		"negative time": "prompt_timeout: -1m\n",
		"bad criterion": "contest:\n  criteria:\n    - {name: 授课内容, max: 五分}\n",
		"no judges":     "contest:\n  top: -1\n",
		"late deadline": "campaign:\n  deadlines:\n    - {name: 报送, date: 2020-01-05, requires: form1}\n",
		"bad schedule":  "campaign:\n  digest_schedule: every monday\n",
		"bad requires":  "campaign:\n  deadlines:\n    - {name: 报送, date: 2019-07-05, requires: photos}\n",
		"end first":     "campaign:\n  start: 2019-06-01\n  end: 2019-05-01\n  deadlines: [{name: x, date: 2019-05-15, requires: report}]\n",
	} {
		write(bad)
		if _, err := loadConfig(path, getenv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The example configuration in the repository loads as it is.
func TestExampleConfig(t *testing.T) {
	if _, err := loadConfig("../../config.example.yaml", func(string) string { return "x" }); err != nil {
		t.Fatal(err)
	}
}

// With no config, dangke console reads messages from standard input and
// answers each, as the README's example does.
func TestConsoleFromPipe(t *testing.T) {
	dir := t.TempDir()
	in := strings.Join([]string{
		"/单位 新增 温县/城关镇/第一党支部 45",
		"/单位 绑定 温县/城关镇/第一党支部",
		"/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", // in the 2019 campaign, whatever year it is now
		":as 李四",
		"/单位 新增 孟州市",
	}, "\n")
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }}
	if err := m.ParseFlags([]string{"console", "--db", filepath.Join(dir, "d.db")}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已新增单位：温县/城关镇/第一党支部", "本群已绑定", "已登记第 1 次微党课", "只有管理员可以使用"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHelpAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: os.Getenv}
	if err := m.ParseFlags([]string{"--help"}); err == nil || !strings.Contains(out.String(), "dangke console") {
		t.Fatalf("--help: %v\n%s", err, out.String())
	}
	if err := (&Main{Stdout: &out, Stderr: &out}).ParseFlags([]string{"serve"}); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := (&Main{Stdout: &out, Stderr: &out}).ParseFlags([]string{"--nope"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

// The command menu for Telegram has one entry per English command, with the
// subcommands of a group folded into its description.
func TestMenu(t *testing.T) {
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	if err := m.ParseFlags([]string{"--db", filepath.Join(t.TempDir(), "m.db")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range menu(commandsOf(t, m)) {
		got = append(got, c.Name+"="+c.Description)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"lecture=登记一次微党课（附件1）", "stats=", "unit=单位：新增、党员数、绑定、列表", "role=角色：授予、撤销、列表", "help="} {
		if !strings.Contains(joined, want) {
			t.Errorf("menu lacks %q:\n%s", want, joined)
		}
	}
}

func commandsOf(t *testing.T, m *Main) []*commands.Command {
	st, err := store.Open(context.Background(), m.cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return commands.New(st, m.routerConfig()).Commands()
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	newDB(t, filepath.Join(dir, "d.db"))
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if err := m.ParseFlags([]string{"backup", "--db", filepath.Join(dir, "d.db"), "--out", filepath.Join(dir, "copy.db")}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	if _, err := os.Stat(filepath.Join(dir, "copy.db")); err != nil || !strings.Contains(out.String(), "已备份") {
		t.Fatalf("%v %s", err, out.String())
	}
}
