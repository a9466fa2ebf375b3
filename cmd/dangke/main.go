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
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the static binary knows Asia/Shanghai on any system

	"gopkg.in/natefinch/lumberjack.v2"

	"dangke"
	"dangke/bot"
	"dangke/bot/console"
	"dangke/bot/dingtalk"
	"dangke/bot/telegram"
	"dangke/bot/wecom"
	"dangke/commands"
	"dangke/digest"
	"dangke/media"
	"dangke/report"
	"dangke/store"
)

const usage = `dangke — 党课助手，微型党课活动的群聊机器人

用法：
  dangke [--config FILE] [--db FILE] [--check]    运行配置中启用的平台；都未启用时打开本地控制台
  dangke console [--config FILE] [--db FILE]      本地控制台：每行一条消息，回复打印到标准输出
  dangke digest [--week 2019-W27|2019-07-15] [--unit PATH|全市] [--dry-run] [--force]
                                                  打印或发送某周周报（默认上周）；与运行中的机器人
                                                  共用发送记录，同一周不会重复发送
  dangke backup --out FILE                        在机器人运行时备份数据库（一致的副本），照片等附件复制到 FILE.media/
  dangke status                                  数据库、各平台连接、上次周报，待发送和发送失败的回复；
                                                  异常时非零退出
  dangke export form1 [--unit PATH] [--from 2019-07-01 --to 2019-09-30] --out 附件1.xlsx
                                                  导出附件1（统计表；--unit 缺省为全市）
  dangke export form2 --unit 县市区 --out 附件2.xlsx   导出附件2（师资库，含完整手机号）
  dangke export archive [--unit PATH] [--from … --to …] --out 台账.zip
                                                  导出台账：附件1、每次党课的照片等附件和说明、index.html
  dangke export report --unit 县市区 [--from DATE --to DATE] --out 情况报告.docx
                                                  导出示范宣讲活动情况报告（Word 草稿，GB/T 9704 排版）
  dangke import units|members|instructors FILE.xlsx|FILE.csv [--unit PATH] [--skip-invalid] [--rejects FILE]
                                                  导入单位树、党员数或师资库；先检查每一行，
                                                  有错则不导入（--skip-invalid 导入正确的行）
  dangke purge --before DATE                      删除该日之前的消息记录（活动结束后），隐去已移出宣讲员的手机号；
                                                  删除该日之前撤销的附件记录和不再被引用的附件文件
  dangke seed --branches N --lectures M --db FILE  试用和测量用：生成省规模的示例数据（只写入空数据库）
  dangke check-totals [--fix]                     核对保存的累计数与党课记录；--fix 不一致时重算
  dangke migrate-db --to postgres://…             把 SQLite 数据库复制到空的 PostgreSQL 数据库，并逐表、逐县核对
  dangke service install|uninstall|start|stop [--config FILE]
                                                  （Windows）安装、卸载、启动、停止 Windows 服务
  dangke version                                  显示版本

只有 dangke 和 dangke console 会新建数据库（并说明）；digest、backup、export、import、purge、status
只读取已有的数据库，--db 指向不存在的文件时拒绝执行。

控制台里的特殊行：
  :as NAME    之后的消息由 console:NAME 发送（默认 console:admin，是管理员）
  :in CHAT    之后的消息发在群聊 console:CHAT 中（单独 :in 回到单聊）

选项：
  --config FILE   配置文件（默认：当前目录的 dangke.yaml，若存在）
  --db FILE|URL   SQLite 数据库文件或 PostgreSQL 地址（postgres://用户@主机:5432/库名?sslmode=…，
                  密码放在 DANGKE_DB_PASSWORD），覆盖配置中的 db（默认 dangke.db）
  --check         启动时做完整检查（PRAGMA integrity_check，大库较慢）；默认只做 quick_check
  --version       显示版本
  -h, --help      显示本帮助；dangke 子命令 --help 显示子命令的选项

示例：
  echo '/单位 新增 温县/城关镇/第一党支部 45' | dangke console
  dangke digest --week 2019-07-15 --dry-run
`

// Main is the program: flags and config in, adapters running, resources closed.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time // the clock for the campaign check at start; time.Now when nil

	command    string
	configPath string
	dbPath     string
	check      bool
	cfg        Config
	store      *store.Store
	logger     *slog.Logger
	logFile    io.Closer
	tool       toolArgs
	digest     digestArgs
	service    serviceArgs
	seed       seedArgs
	migrateTo  string              // migrate-db --to
	replica    *replica            // the leases of the one-consumer roles (PostgreSQL)
	observe    func(digest.Result) // the digest runs' metrics, when the admin endpoints are on
	media      *media.Store        // the lectures' photos and files, once opened
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
		fs := m.flags("backup", "在机器人运行时把数据库备份到一个新文件（一致的副本，文件权限 0600）。\n备份先写到同一文件夹的临时文件，完整后才出现在 --out 下；已存在的文件不会被覆盖。",
			"dangke backup --db /var/lib/dangke/dangke.db --out /var/backups/dangke-2019-07-15.db")
		fs.StringVar(&m.tool.out, "out", "", "备份文件 `FILE`（不能已存在）")
		if err := m.parse(fs, args); err != nil {
			return err
		}
		if m.tool.out == "" {
			return m.usageError(fs, "backup 要用 --out 指定备份文件")
		}
		return m.loadConfig()
	case "service":
		if err := m.parseService(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "purge":
		if err := m.parsePurge(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "status":
		if err := m.parseStatus(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "seed":
		if err := m.parseSeed(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "check-totals":
		if err := m.parseCheckTotals(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "migrate-db":
		if err := m.parseMigrateDB(args); err != nil {
			return err
		}
		return m.loadConfig()
	case "version":
		fmt.Fprintln(m.Stdout, version())
		return flag.ErrHelp
	case "help":
		if len(args) > 0 && args[0] != "help" && args[0] != "version" {
			return (&Main{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}).ParseFlags([]string{args[0], "--help"})
		}
		fmt.Fprint(m.Stdout, usage)
		return flag.ErrHelp
	default:
		return fmt.Errorf("没有子命令「%s」。子命令有 console、digest、backup、export、import、purge、status、seed、check-totals、migrate-db、service、version，例如 dangke digest --dry-run；见 dangke --help", m.command)
	}
	fs := flag.NewFlagSet("dangke", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(m.Stdout, usage) }
	fs.StringVar(&m.configPath, "config", "", "配置文件")
	fs.StringVar(&m.dbPath, "db", "", "SQLite 数据库文件")
	fs.BoolVar(&m.check, "check", false, "启动时做完整检查（integrity_check）")
	showVersion := fs.Bool("version", false, "显示版本")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError("dangke "+m.command, err, "dangke --config dangke.yaml --db dangke.db")
	}
	if *showVersion {
		fmt.Fprintln(m.Stdout, version())
		return flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("多余的参数「%s」；例如 dangke --config dangke.yaml，见 dangke --help", fs.Arg(0))
	}
	return m.loadConfig()
}

// flags starts the flag set of a subcommand, with its --help text and the
// options every subcommand shares.
func (m *Main) flags(cmd, what, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("dangke "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		synopsis := map[string]string{
			"export":  "export form1|form2|archive|report [选项]",
			"import":  "import units|members|instructors FILE [选项]",
			"service": "service install|uninstall|start|stop [选项]",
		}[cmd]
		if synopsis == "" {
			synopsis = cmd + " [选项]"
		}
		fmt.Fprintf(m.Stdout, "用法：dangke %s\n\n%s\n\n选项：\n", synopsis, what)
		fs.SetOutput(m.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprintf(m.Stdout, "\n示例：\n  %s\n", example)
	}
	fs.StringVar(&m.configPath, "config", "", "配置文件 `FILE`（默认：当前目录的 dangke.yaml，若存在）")
	fs.StringVar(&m.dbPath, "db", "", "SQLite 数据库文件 `FILE`，覆盖配置中的 db；必须已存在")
	return fs
}

// parse parses a subcommand's flags, in Chinese: an error names the flag
// and gives the subcommand's example.
func (m *Main) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError(fs.Name(), err, exampleOf(fs.Name()))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("多余的参数「%s」；例如 %s，见 %s --help", fs.Arg(0), exampleOf(fs.Name()), fs.Name())
	}
	return nil
}

// usageError refuses a subcommand's arguments with its example.
func (m *Main) usageError(fs *flag.FlagSet, msg string) error {
	return fmt.Errorf("%s，例如 %s；见 %s --help", msg, exampleOf(fs.Name()), fs.Name())
}

// exampleOf returns the example a subcommand's --help shows.
func exampleOf(cmd string) string {
	switch cmd {
	case "dangke backup":
		return "dangke backup --out dangke-2019-07-15.db"
	case "dangke digest":
		return "dangke digest --week 2019-W27 --dry-run"
	case "dangke export":
		return "dangke export form1 --unit 温县 --out 附件1.xlsx"
	case "dangke import":
		return "dangke import units 单位.xlsx"
	case "dangke service":
		return "dangke service install --config C:\\dangke\\dangke.yaml"
	case "dangke purge":
		return "dangke purge --before 2020-01-01"
	case "dangke check-totals":
		return "dangke check-totals --fix"
	case "dangke migrate-db":
		return "dangke migrate-db --db dangke.db --to postgres://dangke@db.example:5432/dangke?sslmode=require"
	case "dangke seed":
		return "dangke seed --branches 10000 --lectures 1000000 --db province.db"
	case "dangke status":
		return "dangke status"
	}
	return "dangke --config dangke.yaml"
}

// flagError turns the flag package's English errors into Chinese.
func flagError(cmd string, err error, example string) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		msg = "没有选项 " + name
	} else if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		msg = "选项 " + name + " 后面要跟一个值"
	} else {
		msg = "选项的值不对（" + msg + "）"
	}
	return fmt.Errorf("%s；例如 %s，全部选项见 %s --help", msg, example, cmd)
}

// version names the build: the module version and commit when the build
// recorded them, and the Go release.
func version() string {
	v, rev := "开发版", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = "，提交 " + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("dangke %s%s（%s，%s/%s）", v, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
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
	} else {
		m.cfg.fromEnv(m.Getenv)
		if err := m.cfg.validate(); err != nil {
			return err
		}
	}
	if m.dbPath != "" {
		m.cfg.DB = m.dbPath
	}
	if m.command == "service" && m.service.action == "run" && m.cfg.Log.File == "" {
		m.cfg.Log.File = "dangke.log" // a service has no terminal
	}
	var err error
	m.logger, m.logFile, err = newLogger(m.Stderr, m.cfg.Log)
	return err
}

// newLogger logs to w, or to the rotated file the configuration names.
func newLogger(w io.Writer, c LogConfig) (*slog.Logger, io.Closer, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	var closer io.Closer
	if c.File != "" {
		if err := os.MkdirAll(filepath.Dir(c.File), 0o700); err != nil {
			return nil, nil, fmt.Errorf("log.file：建不了日志文件夹：%w", err)
		}
		lj := &lumberjack.Logger{Filename: c.File, MaxSize: c.MaxSizeMB, MaxBackups: c.MaxBackups}
		w, closer = lj, lj
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), closer, nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), closer, nil
}

// openStore opens the database: the operators' commands only an existing
// one; the bot and the console create it when missing, and say so.
func (m *Main) openStore(ctx context.Context) error {
	creates := m.command == "" || m.command == "console" || m.command == "seed" || (m.command == "service" && m.service.action == "run")
	var err error
	opt := store.Options{MustExist: !creates, FullCheck: m.check, Password: m.Getenv(store.PasswordEnv)}
	if m.command == "import" {
		// An import writes far more than it reads again: a small page cache
		// and no memory map keep a million rows under 200 MB.
		opt.CacheKiB, opt.MapBytes = store.ImportCacheKiB, -1
	}
	m.store, err = store.OpenWith(ctx, m.cfg.DB, opt)
	if err != nil {
		return err
	}
	if m.store.Created() {
		m.logger.Info("新建了数据库（此前不存在）", "db", store.Redact(m.cfg.DB))
	}
	return nil
}

// Run opens the store and runs the adapters until ctx ends or input runs out.
func (m *Main) Run(ctx context.Context) error {
	if m.command == "service" && m.service.action != "run" {
		return m.runService(ctx)
	}
	if err := m.openStore(ctx); err != nil {
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
		return m.backupMedia()
	case "service":
		return m.runService(ctx)
	case "purge":
		return m.runPurge(ctx)
	case "seed":
		return m.runSeed(ctx)
	case "check-totals":
		return m.runCheckTotals(ctx)
	case "migrate-db":
		return m.runMigrateDB(ctx)
	}
	return m.runBot(ctx)
}

// runBot runs the router over the configured adapters, or the console.
func (m *Main) runBot(ctx context.Context) error {
	rc := m.routerConfig()
	m.warnOutsideCampaign(rc.Campaign)
	links, stopWeb, err := m.startWeb(ctx, rc)
	if err != nil {
		return err
	}
	defer stopWeb()
	if links != nil {
		rc.Dashboard = links
	}
	if rc.Media, err = m.openMedia(); err != nil {
		return err
	}
	rc.ReportPhotos = report.MediaPhotos(m.store, rc.Media)
	router := commands.New(m.store, rc)
	var adapters []bot.Adapter
	if m.command != "console" {
		if adapters, err = m.platforms(ctx, router.Commands()); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	platforms := len(adapters) > 0
	if !platforms {
		level = slog.LevelDebug // the console's own screen says it started
		c := &console.Adapter{In: m.Stdin, Out: m.Stdout, OutDir: m.cfg.Console.OutDir, Prompt: isTerminal(m.Stdin)}
		if c.Prompt {
			created := ""
			if m.store.Created() {
				created = "，新建"
			}
			fmt.Fprintf(m.Stdout, "党课助手控制台（数据库 %s%s）。发送 /帮助 开始，Ctrl-D 退出。\n", store.Redact(m.cfg.DB), created)
		}
		adapters = []bot.Adapter{c}
	}
	if m.store.Postgres() {
		m.replica = &replica{name: m.replicaName(), lease: m.store.Lease(store.Leader, m.replicaName())}
		m.replica.lease.Log = m.logger
		for _, a := range adapters {
			if m.ledAdapter(a.Name()) {
				m.replica.led = append(m.replica.led, a.Name())
			}
		}
	}
	var handler dangke.Handler = router
	// The digests go through each adapter's own outbox (its Outbox method),
	// which the admin endpoints' wrapper below would hide.
	notifiers := map[string]dangke.Notifier{}
	for _, a := range adapters {
		notifiers[a.Name()] = a
	}
	if platforms { // the admin endpoints watch the platforms, not the console
		var stopAdmin func()
		handler, adapters, m.observe, stopAdmin = m.admin(ctx, router, adapters)
		defer stopAdmin()
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.Name()
	}
	m.logger.Log(ctx, level, "starting", "adapters", names, "db", store.Redact(m.cfg.DB))
	// The weekly digests go out alongside, through the adapters' Notify.
	// They, Telegram long polling and the WeCom long connection run on the
	// replica that holds the lease (always, on SQLite); the other adapters
	// everywhere.
	sched := &digest.Scheduler{Store: m.store, Notifiers: notifiers, Campaign: rc.Campaign, City: rc.City, Rubric: rc.Rubric, Log: m.logger, Charts: rc.Charts, Observe: m.observe,
		Remind: true, MaxMentions: m.cfg.Campaign.MaxMentions}
	lease := m.store.Lease(store.Leader, "")
	if m.replica != nil {
		lease = m.replica.lease
	}
	group := &leadGroup{lease: lease, sched: sched.Run}
	var free []bot.Adapter
	for _, a := range adapters {
		if m.replica != nil && m.ledAdapter(a.Name()) {
			group.adapters = append(group.adapters, a)
		} else {
			free = append(free, a)
		}
	}
	// Housekeeping ends with the bot: nothing of it runs (or logs) once
	// runBot has returned and the store is closed.
	hctx, stop := context.WithCancel(ctx)
	var hk sync.WaitGroup
	hk.Add(1)
	go func() {
		defer hk.Done()
		m.housekeep(hctx)
	}()
	err = bot.Run(ctx, handler, append(free, group)...)
	stop()
	hk.Wait()
	return err
}

// warnOutsideCampaign logs once, at start, that the configured campaign
// has not begun or has ended: no digest goes out then.
func (m *Main) warnOutsideCampaign(c dangke.Campaign) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	today := now().In(c.Location)
	span := c.Start.Format(dangke.DateLayout) + " 至 " + c.End.Format(dangke.DateLayout)
	switch {
	case today.Before(c.Start):
		m.logger.Warn("活动尚未开始：开始前不发周报；如日期不对，改配置的 campaign.start", "campaign", c.Name, "dates", span)
	case !today.Before(c.End.AddDate(0, 0, 1)):
		m.logger.Warn("活动已结束：不再发周报；新一年的活动请改配置的 campaign:", "campaign", c.Name, "dates", span)
	}
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
			OpenAPIHost: d.OpenAPIHost, OAPIHost: d.OAPIHost, AllowChats: d.AllowChats, RobotName: d.RobotName,
			RatePerSec: d.RatePerSec, MonthlyQuota: d.MonthlyQuota, Outbox: m.outbox(), Logger: m.logger})
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if w := m.cfg.WeCom; w.BotID != "" || w.Callback.Token != "" {
		cfg := wecom.Config{BotID: w.BotID, Secret: w.Secret, WSURL: w.WSURL, WebhookHost: w.WebhookHost, DailyPush: w.DailyPush, Outbox: m.outbox(), Logger: m.logger}
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
		admin := c.Perm == commands.Admin || c.Perm == commands.Super
		if i, ok := index[name]; ok {
			out[i].Description += "、" + c.Sub[0]
			out[i].Admin = out[i].Admin && admin
			continue
		}
		desc := c.Summary
		if len(c.Sub) > 0 {
			desc = c.Names[0] + "：" + c.Sub[0]
		}
		index[name] = len(out)
		out = append(out, bot.CommandInfo{Name: name, Description: desc, Admin: admin})
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
		UndoWindow: m.cfg.UndoWindow, PromptTimeout: m.cfg.PromptTimeout, Logger: m.logger, MaxMessage: m.cfg.MaxMessage,
		Charts: m.charts(),
	}
}

// Close releases what Run opened.
func (m *Main) Close() error {
	var err error
	if m.media != nil {
		err = m.media.Close()
	}
	if m.store != nil {
		err = errors.Join(err, m.store.Close())
	}
	if m.logFile != nil {
		err = errors.Join(err, m.logFile.Close())
	}
	return err
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
