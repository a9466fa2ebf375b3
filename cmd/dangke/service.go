package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/kardianos/service"
)

// serviceArgs are the arguments of `dangke service`.
type serviceArgs struct {
	action string // install, uninstall, start, stop; run is what the service manager starts
}

// serviceName is the Windows service's name (sc query dangke).
const serviceName = "dangke"

func (m *Main) parseService(args []string) error {
	fs := m.flags("service", "（Windows）把 dangke 装成 Windows 服务：开机自动运行、出错后由系统重启。\n"+
		"动作：install 安装（记下 --config 的完整路径）、uninstall 卸载、start 启动、stop 停止。\n"+
		"服务在配置文件所在的文件夹里运行，日志写入 log.file（缺省为该文件夹的 dangke.log，按 log.max_size_mb 轮转）。\n"+
		"服务至少要启用一个平台。Linux 上请用 systemd，见 docs/operations.md。",
		`dangke service install --config C:\dangke\dangke.yaml`)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fs.Usage()
			return flag.ErrHelp
		}
		return m.usageError(fs, "service 要说明动作（install、uninstall、start 或 stop）")
	}
	m.service.action, args = args[0], args[1:]
	switch m.service.action {
	case "install", "uninstall", "start", "stop", "run":
	default:
		return m.usageError(fs, fmt.Sprintf("service 没有动作「%s」，动作有 install、uninstall、start、stop", m.service.action))
	}
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if m.service.action == "install" && m.configPath == "" {
		return m.usageError(fs, "service install 要用 --config 指定配置文件")
	}
	if m.configPath != "" {
		abs, err := filepath.Abs(m.configPath)
		if err != nil {
			return fmt.Errorf("--config %s：%w", m.configPath, err)
		}
		m.configPath = abs
		if m.service.action == "run" {
			// A Windows service starts in the system folder: relative
			// paths in the configuration are read from its own folder.
			if err := os.Chdir(filepath.Dir(abs)); err != nil {
				return fmt.Errorf("service: %w", err)
			}
		}
	}
	if m.dbPath != "" {
		abs, err := filepath.Abs(m.dbPath)
		if err != nil {
			return fmt.Errorf("--db %s：%w", m.dbPath, err)
		}
		m.dbPath = abs
	}
	return nil
}

// serviceConfig describes the service to the service manager.
func (m *Main) serviceConfig() *service.Config {
	args := []string{"service", "run"}
	if m.configPath != "" {
		args = append(args, "--config", m.configPath)
	}
	if m.dbPath != "" {
		args = append(args, "--db", m.dbPath)
	}
	return &service.Config{Name: serviceName, DisplayName: "党课助手 (dangke)",
		Description: "微型党课活动的群聊机器人（钉钉、企业微信、Telegram）", Arguments: args,
		// Started at boot, after the network; restarted by Windows when it fails.
		Option: service.KeyValue{"StartType": "automatic", "DelayedAutoStart": true,
			"OnFailure": "restart", "OnFailureDelayDuration": "5s", "OnFailureResetPeriod": 3600}}
}

// runService installs, removes, starts or stops the Windows service, or,
// started by the service manager, runs the bot until it is told to stop.
func (m *Main) runService(ctx context.Context) error {
	if runtime.GOOS != "windows" {
		return errors.New("dangke service 只用于 Windows；Linux 上请用 systemd 运行 dangke，单元文件见 docs/operations.md")
	}
	p := &program{m: m, ctx: ctx}
	s, err := service.New(p, m.serviceConfig())
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	if m.service.action != "run" {
		if err := service.Control(s, m.service.action); err != nil {
			return fmt.Errorf("service %s：%w（安装和卸载要以管理员身份运行）", m.service.action, err)
		}
		fmt.Fprintf(m.Stdout, "服务 %s：%s 完成。\n", serviceName, m.service.action)
		return nil
	}
	if err := s.Run(); err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return p.err
}

// program runs the bot between the service manager's Start and Stop.
type program struct {
	m      *Main
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Start runs the bot in the background, as the service manager requires.
func (p *program) Start(service.Service) error {
	if p.m.cfg.DingTalk.ClientID == "" && p.m.cfg.Telegram.Token == "" && p.m.cfg.WeCom.BotID == "" && p.m.cfg.WeCom.Callback.Token == "" {
		return errors.New("服务至少要在配置中启用一个平台（dingtalk、wecom 或 telegram）")
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.err = p.m.runBot(ctx)
		if ctx.Err() == nil {
			// The bot stopped by itself (a platform refused its secret, the
			// disk failed): exit with a failure, so that Windows restarts
			// the service after OnFailureDelayDuration.
			p.m.logger.Error("bot stopped; exiting for the service manager to restart it", "err", p.err)
			_ = p.m.Close()
			os.Exit(1)
		}
	}()
	return nil
}

// Stop ends the bot and waits for it to finish what it was doing.
func (p *program) Stop(service.Service) error {
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
	return nil
}
