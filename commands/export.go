package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
	"dangke/report"
)

// exportCommand is /导出: the official forms as files sent into the chat.
func exportCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"导出"},
		English: []string{"export"},
		Summary: "导出附件1（统计表）、附件2（师资库，仅限单聊）为 Excel 文件，示范宣讲活动情况报告（Word），或台账（照片等附件的 ZIP）",
		Fields: []Field{
			{Name: "表格", Aliases: []string{"form"}, Kind: KChoice, Choices: []string{"附件1", "附件2", "报告", "台账", "form1", "form2", "report", "archive"}, Required: true, Positional: true, Example: "附件1"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
			{Name: "期间", Aliases: []string{"period"}, Kind: KText, Positional: true, Example: "本月 或 2019-07-01~2019-09-30", Hint: "附件1用，默认为全部"},
			{Name: "格式", Aliases: []string{"format"}, Kind: KText, Positional: true, Example: "csv", Hint: "xlsx 或 csv，默认 xlsx"},
		},
		Example: "/导出 附件1 温县 本月 或 /导出 附件2 温县 或 /导出 报告 温县",
		Perm:    Reader,
		Costly:  true,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			if t := c.Text("表格"); t == "报告" || strings.EqualFold(t, "report") {
				return runExportReport(ctx, c, r.cfg)
			}
			return runExport(ctx, c, r.cfg.City)
		},
	}
}

func runExport(ctx context.Context, c *Call, city string) (*dangke.Reply, error) {
	form2 := c.Text("表格") == "附件2" || strings.EqualFold(c.Text("表格"), "form2")
	// The unit, the period and the format in any order: /导出 附件1 2019年7月 csv.
	target, period, format, err := c.scopeArgs(false, "单位", "期间", "格式")
	if err != nil {
		return nil, err
	}
	if v := c.Text("格式"); v != "" && format == "" {
		return nil, dangke.FieldErrorf("格式", "应为 xlsx 或 csv，收到「%s」。", clip(v))
	}
	c.Args["期间"], c.Args["格式"] = period, format
	var unit *dangke.Unit
	if target == "" && c.Unit == nil {
		switch {
		case c.CityChat: // the city's chat exports the city's forms
			target = dangke.CityName
		case len(c.Roles) == 1 && !c.Req.Chat.Group: // an admin of one unit, in a 1:1 chat
			target = c.Roles[0].UnitPath
		}
	}
	switch {
	case target == dangke.CityName && form2:
		return exportCityPool(ctx, c, city)
	case target == dangke.CityName:
		if !c.Super && !c.CityChat {
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "导出全市的统计表需要系统管理员，或在绑定到全市的工作群里发送。")
		}
	case target != "":
		u, err := c.ResolveUnit(ctx, target)
		if err != nil {
			return nil, err
		}
		unit = u
	case c.Unit != nil:
		unit = c.Unit
	default:
		return nil, dangke.FieldErrorf("单位", "要写明：本群尚未绑定单位。")
	}
	if form2 && unit != nil && !c.Req.Chat.Group && !c.IsAdminOf(unit) {
		// The pool's phone numbers are for its admins: say so before anything else.
		county, err := c.Store().UnitByID(ctx, unit.TopID)
		if err != nil {
			return nil, err
		}
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "附件2 含个人信息，只有%s或全市的管理员可以导出。", county.Name)
	}
	if t := c.Text("表格"); t == "台账" || strings.EqualFold(t, "archive") {
		return runArchive(ctx, c, city, unit)
	}
	who := city
	if unit != nil {
		who = unit.FullName()
	}
	if form2 {
		f, err := exportForm2(ctx, c, city, unit)
		if err != nil {
			return nil, err
		}
		return formReply(f, f.Sheet+"-"+who+"-"+c.Now.Format("20060102"), c.Text("格式"))
	}
	if unit != nil && !c.MayActFor(unit) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不能导出「%s」的统计表：请在该单位的工作群里发送，或请其管理员导出。", unit.Path)
	}
	p, isPeriod, err := parsePeriod(c.Text("期间"), c.Now)
	if err != nil {
		return nil, err
	}
	if !isPeriod {
		return nil, dangke.FieldErrorf("期间", "看不懂「%s」，可写 本周、本月、今年 或 2019-07-01~2019-09-30。", clip(c.Text("期间")))
	}
	span := "" // the period in the file's name, so that two periods never share one file
	if !p.IsZero() {
		span = "-" + p.From.Format("20060102") + "至" + p.To.Format("20060102")
	}
	// The rows are read as the file is written: they and the footer's
	// figures are read in one snapshot, so that a lecture logged meanwhile
	// cannot make them disagree.
	var reply *dangke.Reply
	err = dangke.InSnapshot(ctx, c.Store(), func(r dangke.Reader) error {
		f, err := report.Form1(ctx, r, city, c.r.cfg.Campaign.Name, unit, p, c.Now)
		if err != nil {
			return err
		}
		reply, err = formReply(f, f.Sheet+"-"+who+span+"-"+c.Now.Format("20060102"), c.Text("格式"))
		return err
	})
	return reply, err
}

// formReply renders a form as a file (XLSX, or CSV on request) and says
// how many rows it has, its footer and its notes.
func formReply(f *report.Form, name, format string) (*dangke.Reply, error) {
	file, err := formFile(f, name, format)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("%s 已生成（%d 行）。", file.Name, f.RowCount())
	if f.Footer != "" {
		text += "\n" + f.Footer
	}
	for _, note := range f.Notes {
		text += "\n⚠ " + note
	}
	return &dangke.Reply{Text: text, Files: []dangke.File{file}}, nil
}

// formFile renders a form as a file to send: XLSX, or CSV on request.
func formFile(f *report.Form, name, format string) (dangke.File, error) {
	if format == "csv" {
		data, err := f.CSV()
		return dangke.File{Name: name + ".csv", MIME: "text/csv", Data: data}, err
	}
	data, err := f.XLSX()
	return dangke.File{Name: name + ".xlsx", MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: data}, err
}

// exportForm2 checks who may have the full phone numbers of a county's
// pool — its admins or the city's, in a 1:1 chat — and records the export.
func exportForm2(ctx context.Context, c *Call, city string, unit *dangke.Unit) (*report.Form, error) {
	if unit == nil {
		return nil, dangke.FieldErrorf("单位", "要写明县市区：附件2 按县市区导出。")
	}
	county, err := c.Store().UnitByID(ctx, unit.TopID)
	if err != nil {
		return nil, err
	}
	if county.Kind != dangke.KindCounty {
		return nil, dangke.FieldErrorf("单位", "「%s」不属于任何县市区；师资库按县市区建立。", unit.Path)
	}
	if c.Req.Chat.Group {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "附件2 含宣讲员完整手机号和出生年月，只能在与我的单聊中导出，不能发到群里。")
	}
	if !c.IsAdminOf(county) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "附件2 含个人信息，只有%s或全市的管理员可以导出。", county.Name)
	}
	f, err := report.Form2(ctx, c.Store(), city, county)
	if err != nil {
		return nil, err
	}
	// Who took the phone numbers out is on record.
	if err := c.Store().Update(ctx, func(tx dangke.Tx) error {
		return tx.Audit(ctx, c.Audit("export.form2", "unit", county.ID, fmt.Sprintf("%s %d 人", county.Path, len(f.Rows))))
	}); err != nil {
		return nil, err
	}
	return f, nil
}
