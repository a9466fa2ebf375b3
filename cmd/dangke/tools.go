package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"dangke"
	"dangke/atomicfile"
	"dangke/commands"
	"dangke/report"
)

// toolArgs are the arguments of the export and import subcommands.
type toolArgs struct {
	what          string // form1, form2; units, members, instructors
	file          string // the file to import
	unit          string
	from, to      string
	format        string
	out           string
	skipInvalid   bool
	acceptSimilar bool
	rejects       string
	maxSize       string // the largest file import takes, 20MB
}

// parseTool reads `export form1|form2 ...` and `import units|members|instructors FILE ...`.
func (m *Main) parseTool(args []string) error {
	what := map[string]string{
		"export": "导出正式报表：form1 附件1（统计表，--unit 缺省为全市），form2 附件2（一个县市区的师资库，含完整手机号），\n" +
			"archive 台账（ZIP：附件1、每次党课一个文件夹放照片等附件和说明.txt、可离线打开的 index.html）。\n" +
			"report 示范宣讲活动情况报告（一个县市区，Word 草稿）。\n" +
			"文件先写到同一文件夹的临时文件，写完才换上，失败不会留下半个或空的文件；文件权限 0600。",
		"import": "从 XLSX 或 CSV 导入单位树（units）、党员数（members）或师资库（instructors）。先检查每一行，有错则不导入\n" +
			"（--skip-invalid 导入正确的行）。几乎与已有单位同名的新单位作为笔误拒绝（--accept-similar 照常新增）；\n" +
			"导入单位或党员数后列出讲课人多于党员数、未填党员数而不计入上台率的单位。导入到已有的数据库（--db 必须存在）。",
	}[m.command]
	fs := m.flags(m.command, what, exampleOf("dangke "+m.command))
	fs.StringVar(&m.tool.unit, "unit", "", "单位路径 `PATH`，例如 温县/城关镇；全市：整个城市")
	switch m.command {
	case "export":
		fs.StringVar(&m.tool.from, "from", "", "第一天 `DATE`，例如 2019-07-01（与 --to 一起用）")
		fs.StringVar(&m.tool.to, "to", "", "最后一天 `DATE`，例如 2019-09-30")
		fs.StringVar(&m.tool.format, "format", "", "`FORMAT`：xlsx 或 csv（默认按 --out 的扩展名）")
		fs.StringVar(&m.tool.out, "out", "", "输出文件 `FILE`，例如 附件1.xlsx")
	case "import":
		fs.BoolVar(&m.tool.skipInvalid, "skip-invalid", false, "只导入正确的行，其余写入 --rejects 文件")
		fs.StringVar(&m.tool.rejects, "rejects", "", "写入被拒绝行的 `FILE`（默认：导入文件名.rejects.csv）")
		fs.BoolVar(&m.tool.acceptSimilar, "accept-similar", false, "units：几乎与已有单位同名的新单位（第一支部 与 第一党支部）也照常新增；默认作为笔误拒绝")
		fs.StringVar(&m.tool.maxSize, "max-size", "", "拒绝大于 `SIZE` 的文件（默认：配置 import.max_size，20MB），如 50MB")
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fs.Usage()
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if m.command == "export" {
			return m.usageError(fs, "export 要说明导出什么（form1、form2 或 archive）")
		}
		return m.usageError(fs, "import 要说明导入什么（units、members 或 instructors）和文件")
	}
	m.tool.what, args = args[0], args[1:]
	switch m.command {
	case "export":
		if m.tool.what != "form1" && m.tool.what != "form2" && m.tool.what != "archive" && m.tool.what != "report" {
			return m.usageError(fs, fmt.Sprintf("export 只能导出 form1、form2、archive 或 report，不是「%s」", m.tool.what))
		}
	case "import":
		if m.tool.what != "units" && m.tool.what != "members" && m.tool.what != "instructors" {
			return m.usageError(fs, fmt.Sprintf("import 只能导入 units、members 或 instructors，不是「%s」", m.tool.what))
		}
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return m.usageError(fs, "import 要给出文件")
		}
		m.tool.file, args = args[0], args[1:]
	}
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if m.command == "export" && m.tool.out == "" {
		return m.usageError(fs, "export 要用 --out 指定输出文件")
	}
	if m.command == "export" && m.tool.what == "report" && m.tool.unit == "" {
		return fmt.Errorf("情况报告按县市区导出，要用 --unit 指定县市区，例如 dangke export report --unit 温县 --out 情况报告.docx")
	}
	if m.command == "export" && m.tool.what == "form2" && m.tool.unit == "" {
		return fmt.Errorf("附件2 按县市区导出，要用 --unit 指定县市区，例如 dangke export form2 --unit 温县 --out 附件2.xlsx")
	}
	if m.tool.maxSize != "" {
		if _, err := report.ParseSize(m.tool.maxSize); err != nil {
			return fmt.Errorf("--max-size: %w", err)
		}
	}
	return nil
}

// runTool runs export or import against the database, as the operator.
func (m *Main) runTool(ctx context.Context) error {
	loc, _ := loadLocation(m.cfg.Timezone)
	now := time.Now().In(loc)
	var unit *dangke.Unit
	if m.tool.unit != "" && m.tool.unit != dangke.CityName {
		u, err := m.store.UnitByPath(ctx, strings.Trim(m.tool.unit, "/"))
		if err != nil {
			return errors.New(dangke.ErrorMessage(err))
		}
		unit = u
	}
	if m.command == "export" && m.tool.what == "report" {
		return m.exportReport(ctx, unit, now)
	}
	if m.command == "export" {
		return m.export(ctx, unit, now)
	}
	maxSize := m.tool.maxSize
	if maxSize == "" {
		maxSize = m.cfg.Import.MaxSize
	}
	var limit int64
	if maxSize != "" {
		var err error
		if limit, err = report.ParseSize(maxSize); err != nil {
			return fmt.Errorf("import.max_size: %w", err)
		}
	}
	src, err := report.OpenFile(m.tool.file, limit)
	if err != nil {
		return errors.New(dangke.ErrorMessage(err))
	}
	defer src.Close()
	im := &report.Importer{Store: m.store, Actor: "cli:" + os.Getenv("USER"), Now: now, SkipInvalid: m.tool.skipInvalid,
		Similar: commands.SimilarUnitName, AcceptSimilar: m.tool.acceptSimilar,
		Progress: func(s report.Step) {
			if s.Done >= 5000 {
				fmt.Fprintf(m.Stderr, "\r已%s %d 行", s.Stage, s.Done)
				if s.Final {
					fmt.Fprintln(m.Stderr)
				}
			}
		}}
	var res *report.Result
	switch m.tool.what {
	case "units":
		res, err = im.Units(ctx, src)
	case "members":
		res, err = im.Members(ctx, src, unit)
	default:
		res, err = im.Instructors(ctx, src, unit)
	}
	if err != nil {
		return errors.New(dangke.ErrorMessage(err))
	}
	fmt.Fprintf(m.Stdout, "导入完成：新增 %d，更新 %d，未变 %d。\n", res.Added, res.Updated, res.Unchanged)
	if m.tool.what != "instructors" {
		// What the new counts leave out of the share of members, as /统计
		// would say it: a count below a unit's lecturers, or none at all.
		var id int64
		scope := ""
		if unit != nil {
			id, scope = unit.ID, unit.Path
		}
		f, err := m.store.Figures(ctx, id, dangke.Period{})
		if err != nil {
			return err
		}
		for _, d := range f.Doubts(scope) {
			fmt.Fprintf(m.Stdout, "注意：%s。\n", d)
		}
	}
	if len(res.Problems) > 0 {
		path := m.tool.rejects
		if path == "" {
			path = m.tool.file + ".rejects.csv"
		}
		if err := os.WriteFile(path, res.Rejects(), 0o600); err != nil {
			return err
		}
		if res.Invalid > len(res.Problems) {
			fmt.Fprintf(m.Stdout, "%d 行未导入，前 %d 行已写入 %s。\n", res.Invalid, len(res.Problems), path)
		} else {
			fmt.Fprintf(m.Stdout, "%d 行未导入，已写入 %s。\n", res.Invalid, path)
		}
	}
	return nil
}

// export writes a form or the archive; every read it makes (the rows as
// they are written, the footer's figures) is of one snapshot of the store.
func (m *Main) export(ctx context.Context, unit *dangke.Unit, now time.Time) error {
	return m.store.Snapshot(ctx, func(r dangke.Reader) error { return m.exportForm(ctx, r, unit, now) })
}

func (m *Main) exportForm(ctx context.Context, r dangke.Reader, unit *dangke.Unit, now time.Time) error {
	var f *report.Form
	var err error
	if m.tool.what == "form2" {
		if unit == nil || unit.Kind != dangke.KindCounty {
			return errors.New("附件2 按县市区导出：--unit 要指定县市区，例如 --unit 温县")
		}
		f, err = report.Form2(ctx, r, m.cfg.City, unit)
	} else {
		var p dangke.Period
		if m.tool.from != "" || m.tool.to != "" {
			if p.From, err = time.ParseInLocation(dangke.DateLayout, m.tool.from, now.Location()); err != nil {
				return fmt.Errorf("--from「%s」不是日期，例如 --from 2019-07-01 --to 2019-09-30", m.tool.from)
			}
			if p.To, err = time.ParseInLocation(dangke.DateLayout, m.tool.to, now.Location()); err != nil {
				return fmt.Errorf("--to「%s」不是日期，例如 --from 2019-07-01 --to 2019-09-30", m.tool.to)
			}
			p.Label = m.tool.from + "至" + m.tool.to
		}
		if m.tool.what == "archive" {
			return m.exportArchive(ctx, unit, p, now)
		}
		campaign, _ := m.cfg.Campaign.campaign(now.Location()) // validated with the config
		f, err = report.Form1(ctx, r, m.cfg.City, campaign.Name, unit, p, now)
	}
	if err != nil {
		return err
	}
	format := m.tool.format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(m.tool.out[strings.LastIndex(m.tool.out, ".")+1:]), ".")
	}
	write := f.WriteXLSX
	switch format {
	case "csv":
		write = f.WriteCSV
	case "xlsx":
	default:
		return fmt.Errorf("--format 是 xlsx 或 csv，不是「%s」；例如 --out 附件1.xlsx 或 --format csv", format)
	}
	// Written straight into the file: a province's form is not held in memory.
	if err := atomicfile.WriteWith(m.tool.out, true, func(tmp *os.File) error { return write(tmp) }); err != nil {
		return fmt.Errorf("导出失败，%s 没有写入（原有的文件保持不变）：%w", m.tool.out, err)
	}
	fmt.Fprintf(m.Stdout, "已导出 %s：%d 行。\n", m.tool.out, f.RowCount())
	return nil
}
