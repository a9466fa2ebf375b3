// Command dangke runs the 党课助手 bot. With no configuration it opens a
// local console on ./dangke.db; see --help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // the static binary knows Asia/Shanghai on any system

	"dangke"
	"dangke/bot"
	"dangke/bot/console"
	"dangke/bot/dingtalk"
	"dangke/bot/telegram"
	"dangke/bot/wecom"
	"dangke/commands"
	"dangke/digest"
	"dangke/store"
)

const usage = `dangke — 党课助手，微型党课活动的群聊机器人

用法 (usage):
  dangke [--config FILE] [--db FILE]            运行配置中启用的平台；都未启用时打开本地控制台
  dangke console [--config FILE] [--db FILE]    本地控制台：每行一条消息，回复打印到标准输出
  dangke digest [--week 2019-W27] [--unit PATH|全市] [--dry-run]
                                                打印或发送某周周报（默认上周）；与运行中的机器人
                                                共用发送记录，同一周不会重复发送
  dangke backup --out FILE                      在机器人运行时备份数据库（一致的副本）
  dangke status                                 显示待发送和发送失败的回复（回复发件箱）
  dangke export form1 [--unit PATH] [--from 2019-07-01 --to 2019-09-30] --out 附件1.xlsx
                                                导出附件1（统计表；--unit 缺省为全市）
  dangke export form2 --unit 县市区 --out 附件2.xlsx   导出附件2（师资库，含完整手机号）
  dangke import units|members|instructors FILE.xlsx|FILE.csv [--unit PATH] [--skip-invalid] [--rejects FILE]
                                                导入单位树、党员数或师资库；先检查每一行，
                                                有错则不导入（--skip-invalid 导入正确的行）

控制台里的特殊行 (console meta lines):
  :as NAME    之后的消息由 console:NAME 发送（默认 console:admin，是管理员）
  :in CHAT    之后的消息发在群聊 console:CHAT 中（单独 :in 回到单聊）

选项 (options):
  --config FILE   配置文件（默认：当前目录的 dangke.yaml，若存在）
  --db FILE       SQLite 数据库文件，覆盖配置中的 db（默认 dangke.db）
  -h, --help      显示本帮助

示例 (example):
  echo '/单位 新增 温县/城关镇/第一党支部 45' | dangke console
`

// Main is the program: flags and config in, adapters running, resources closed.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	command    string
	configPath string
	dbPath     string
	cfg        Config
	store      *store.Store
	logger     *slog.Logger
	tool       toolArgs
	digest     digestArgs
}

func main() {
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := m.ParseFlags(os.Args[1:])
	if err == nil {
		err = m.Run(ctx)
	}
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dangke:", err)
		os.Exit(1)
	}
}

// ParseFlags reads the subcommand and flags and loads the configuration.
func (m *Main) ParseFlags(args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		m.command, args = args[0], args[1:]
	}
	switch m.command {
	case "", "console":
	case "export", "import":
		if err := m.parseTool(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "digest":
		if err := m.parseDigest(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "backup":
		fs := flag.NewFlagSet("dangke backup", flag.ContinueOnError)
		fs.SetOutput(m.Stderr)
		fs.StringVar(&m.configPath, "config", "", "configuration file")
		fs.StringVar(&m.dbPath, "db", "", "SQLite database file")
		fs.StringVar(&m.tool.out, "out", "", "backup file (must not exist)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if m.tool.out == "" || fs.NArg() > 0 {
			return errors.New("backup needs --out FILE; see dangke --help")
		}
		return m.loadConfig()
	case "status":
		if err := m.parseStatus(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "help":
		fmt.Fprint(m.Stdout, usage)
		return flag.ErrHelp
	default:
		return fmt.Errorf("unknown command %q; see dangke --help", m.command)
	}
	fs := flag.NewFlagSet("dangke", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stdout, usage) }
	fs.StringVar(&m.configPath, "config", "", "configuration file")
	fs.StringVar(&m.dbPath, "db", "", "SQLite database file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see dangke --help", fs.Arg(0))
	}
	return m.loadConfig()
}

// loadConfig reads the configuration file, if any, and the flags over it.
func (m *Main) loadConfig() error {
	if m.configPath == "" {
		if _, err := os.Stat("dangke.yaml"); err == nil {
			m.configPath = "dangke.yaml"
		}
	}
	m.cfg = defaults()
	if m.configPath != "" {
		var err error
		if m.cfg, err = loadConfig(m.configPath, m.Getenv); err != nil {
			return err
		}
	}
	if m.dbPath != "" {
		m.cfg.DB = m.dbPath
	}
	m.cfg.fromEnv(m.Getenv)
	m.logger = newLogger(m.Stderr, m.cfg.Log)
	return nil
}

func newLogger(w io.Writer, c LogConfig) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Run opens the store and runs the adapters until ctx ends or input runs out.
func (m *Main) Run(ctx context.Context) error {
	var err error
	if m.store, err = store.Open(ctx, m.cfg.DB); err != nil {
		return err
	}
	switch m.command {
	case "export", "import":
		return m.runTool(ctx)
	case "digest":
		return m.runDigest(ctx)
	case "status":
		return m.runStatus(ctx)
	case "backup":
		if err := m.store.Backup(ctx, m.tool.out); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已备份到 %s。\n", m.tool.out)
		return nil
	}
	rc := m.routerConfig()
	router := commands.New(m.store, rc)
	var adapters []bot.Adapter
	if m.command != "console" {
		if adapters, err = m.platforms(ctx, router.Commands()); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if len(adapters) == 0 {
		level = slog.LevelDebug // the console's own screen says it started
		c := &console.Adapter{In: m.Stdin, Out: m.Stdout, OutDir: m.cfg.Console.OutDir, Prompt: isTerminal(m.Stdin)}
		if c.Prompt {
			fmt.Fprintf(m.Stdout, "党课助手控制台（数据库 %s）。发送 /帮助 开始，Ctrl-D 退出。\n", m.cfg.DB)
		}
		adapters = []bot.Adapter{c}
	}
	names := make([]string, len(adapters))
	notifiers := map[string]dangke.Notifier{}
	for i, a := range adapters {
		names[i] = a.Name()
		notifiers[a.Name()] = a
	}
	m.logger.Log(ctx, level, "starting", "adapters", names, "db", m.cfg.DB)
	// The weekly digests go out alongside, through the adapters' Notify.
	sched := &digest.Scheduler{Store: m.store, Notifiers: notifiers, Campaign: rc.Campaign, City: rc.City, Rubric: rc.Rubric, Log: m.logger}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	err = bot.Run(ctx, router, adapters...)
	cancel()
	return errors.Join(err, <-done)
}

// platforms returns the chat platforms the configuration enables.
func (m *Main) platforms(ctx context.Context, cmds []*commands.Command) ([]bot.Adapter, error) {
	var out []bot.Adapter
	if d := m.cfg.DingTalk; d.ClientID != "" {
		if d.ClientSecret == "" {
			return nil, fmt.Errorf("dingtalk.client_id is set but no client secret (dingtalk.client_secret or DANGKE_DINGTALK_CLIENT_SECRET)")
		}
		dingtalk.SetSDKLogger(m.logger, d.ClientSecret)
		a, err := dingtalk.New(dingtalk.Config{ClientID: d.ClientID, ClientSecret: d.ClientSecret, RobotCode: d.RobotCode,
			OpenAPIHost: d.OpenAPIHost, OAPIHost: d.OAPIHost, AllowChats: d.AllowChats, Outbox: m.outbox(), Logger: m.logger})
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if w := m.cfg.WeCom; w.BotID != "" || w.Callback.Token != "" {
		cfg := wecom.Config{BotID: w.BotID, Secret: w.Secret, WSURL: w.WSURL, WebhookHost: w.WebhookHost, Outbox: m.outbox(), Logger: m.logger}
		cfg.Callback.Token, cfg.Callback.EncodingAESKey, cfg.Callback.Listen = w.Callback.Token, w.Callback.EncodingAESKey, w.Callback.Listen
		a, err := wecom.New(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if t := m.cfg.Telegram; t.Token != "" {
		a, err := telegram.New(ctx, telegram.Config{Token: t.Token, APIURL: t.APIURL, WebhookURL: t.WebhookURL,
			WebhookSecret: t.WebhookSecret, Listen: t.Listen, Commands: menu(cmds), Outbox: m.outbox(), Logger: m.logger})
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// menu lists the commands for a platform's command menu by their English
// names, one entry per command group.
func menu(cmds []*commands.Command) []bot.CommandInfo {
	var out []bot.CommandInfo
	index := map[string]int{}
	for _, c := range cmds {
		if len(c.English) == 0 {
			continue
		}
		name := c.English[0]
		if i, ok := index[name]; ok {
			out[i].Description += "、" + c.Sub[0]
			continue
		}
		desc := c.Summary
		if len(c.Sub) > 0 {
			desc = c.Names[0] + "：" + c.Sub[0]
		}
		index[name] = len(out)
		out = append(out, bot.CommandInfo{Name: name, Description: desc})
	}
	return out
}

func (m *Main) routerConfig() commands.Config {
	loc, _ := loadLocation(m.cfg.Timezone) // validated with the config
	// The person at the local console is the operator: console:admin is an
	// admin. Only the console adapter produces console: senders.
	admins := append([]string{console.Platform + ":admin"}, m.cfg.Admins...)
	rubric, _ := m.cfg.Contest.rubric()         // validated with the config
	campaign, _ := m.cfg.Campaign.campaign(loc) // validated with the config
	return commands.Config{
		Admins: admins, Location: loc, City: m.cfg.City, Rubric: rubric, Campaign: campaign,
		UndoWindow: m.cfg.UndoWindow, PromptTimeout: m.cfg.PromptTimeout, Logger: m.logger,
	}
}

// Close releases what Run opened.
func (m *Main) Close() error {
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var _ dangke.Handler = (*commands.Router)(nil)
