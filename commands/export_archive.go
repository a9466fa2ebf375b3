package commands

import (
	"context"
	"fmt"
	"os"

	"dangke"
	"dangke/media"
	"dangke/report"
)

// fileLimits are the largest files each platform takes from a robot: a
// DingTalk or WeCom media upload 20 MB, a Telegram bot's document 50 MB.
var fileLimits = map[string]int64{"dingtalk": 20 << 20, "wecom": 20 << 20, "telegram": 50 << 20}

// platformNames are the platforms' names in replies.
var platformNames = map[string]string{"dingtalk": "钉钉", "wecom": "企业微信", "telegram": "Telegram"}

// runArchive is /导出 台账: the unit's lectures with their files as one
// ZIP. It is written to a temporary file first, so that its size is known
// before anything is sent; one over the platform's file limit is refused
// with the command that writes it on the server.
func runArchive(ctx context.Context, c *Call, city string, unit *dangke.Unit) (*dangke.Reply, error) {
	if unit != nil && !c.MayActFor(unit) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不能导出「%s」的台账：请在该单位的工作群里发送，或请其管理员导出。", unit.Path)
	}
	p, isPeriod, err := parsePeriod(c.Text("期间"), c.Now)
	if err != nil {
		return nil, err
	}
	if !isPeriod {
		return nil, dangke.FieldErrorf("期间", "看不懂「%s」，可写 本周、本月、今年 或 2019-07-01~2019-09-30。", clip(c.Text("期间")))
	}
	tmp, err := os.CreateTemp("", "dangke-archive-*.zip")
	if err != nil {
		return nil, fmt.Errorf("commands: archive: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	a := &report.Archive{Store: c.Store(), Media: c.r.cfg.Media, City: city, Campaign: c.r.cfg.Campaign.Name, Unit: unit, Period: p, Now: c.Now}
	st, err := a.Write(ctx, tmp)
	if err != nil {
		return nil, err
	}
	info, err := tmp.Stat()
	if err != nil {
		return nil, fmt.Errorf("commands: archive: %w", err)
	}
	who, arg := city, dangke.CityName
	if unit != nil {
		who, arg = unit.FullName(), unit.Path
	}
	span, flags := "", ""
	if !p.IsZero() {
		span = "-" + p.From.Format("20060102") + "至" + p.To.Format("20060102")
		flags = " --from " + p.From.Format(dangke.DateLayout) + " --to " + p.To.Format(dangke.DateLayout)
	}
	name := "台账-" + who + span + "-" + c.Now.Format("20060102") + ".zip"
	limits := c.r.cfg.FileLimits
	if limits == nil {
		limits = fileLimits
	}
	if limit, ok := limits[c.Req.Chat.Platform]; ok && info.Size() > limit {
		return nil, dangke.Errorf(dangke.EINVALID, "台账 ZIP 有 %s（%d 次党课、%d 个附件），超过%s单个文件 %s 的上限，不能在聊天里发送。请管理员在服务器上运行：dangke export archive --unit %s%s --out %s",
			media.Size(info.Size()), st.Lectures, st.Files, platformNames[c.Req.Chat.Platform], media.Size(limit), arg, flags, name)
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return nil, fmt.Errorf("commands: archive: %w", err)
	}
	data := make([]byte, info.Size())
	if _, err := tmp.ReadAt(data, 0); err != nil {
		return nil, fmt.Errorf("commands: archive: %w", err)
	}
	text := fmt.Sprintf("%s 已生成（%s）：%d 次党课，%d 个附件。解压后打开 index.html 可离线浏览。", name, media.Size(info.Size()), st.Lectures, st.Files)
	if st.Missing > 0 {
		text += fmt.Sprintf("\n⚠ %d 个附件在服务器上找不到文件，未放入。", st.Missing)
	}
	return &dangke.Reply{Text: text, Files: []dangke.File{{Name: name, MIME: "application/zip", Data: data}}}, nil
}
