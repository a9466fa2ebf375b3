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
	"dangke/report"
)

// toolArgs are the arguments of the export and import subcommands.
type toolArgs struct {
	what        string // form1, form2; units, members, instructors
	file        string // the file to import
	unit        string
	from, to    string
	format      string
	out         string
	skipInvalid bool
	rejects     string
	maxSize     string // the largest file import takes, 20MB
}

// parseTool reads `export form1|form2 ...` and `import units|members|instructors FILE ...`.
func (m *Main) parseTool(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%s needs what to %s; see dangke --help", m.command, m.command)
	}
	m.tool.what, args = args[0], args[1:]
	fs := flag.NewFlagSet("dangke "+m.command, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stdout, usage) }
	fs.StringVar(&m.configPath, "config", "", "configuration file")
	fs.StringVar(&m.dbPath, "db", "", "SQLite database file")
	fs.StringVar(&m.tool.unit, "unit", "", "unit path")
	switch m.command {
	case "export":
		if m.tool.what != "form1" && m.tool.what != "form2" {
			return fmt.Errorf("export form1 or form2, not %q", m.tool.what)
		}
		fs.StringVar(&m.tool.from, "from", "", "first day, 2019-07-01")
		fs.StringVar(&m.tool.to, "to", "", "last day, 2019-09-30")
		fs.StringVar(&m.tool.format, "format", "", "xlsx or csv (default: from --out)")
		fs.StringVar(&m.tool.out, "out", "", "output file")
	case "import":
		if m.tool.what != "units" && m.tool.what != "members" && m.tool.what != "instructors" {
			return fmt.Errorf("import units, members or instructors, not %q", m.tool.what)
		}
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return errors.New("import needs a file: dangke import units 单位.xlsx")
		}
		m.tool.file, args = args[0], args[1:]
		fs.BoolVar(&m.tool.skipInvalid, "skip-invalid", false, "import the valid rows, write the rest to --rejects")
		fs.StringVar(&m.tool.rejects, "rejects", "", "file for rejected rows (default: FILE.rejects.csv)")
		fs.StringVar(&m.tool.maxSize, "max-size", "", "refuse larger files (default: import.max_size, 20MB)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see dangke --help", fs.Arg(0))
	}
	if m.command == "export" && (m.tool.out == "" || (m.tool.what == "form2" && m.tool.unit == "")) {
		return errors.New("export needs --out FILE, and form2 needs --unit COUNTY")
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
	if len(res.Problems) > 0 {
		path := m.tool.rejects
		if path == "" {
			path = m.tool.file + ".rejects.csv"
		}
		if err := os.WriteFile(path, res.Rejects(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%d 行未导入，已写入 %s。\n", len(res.Problems), path)
	}
	return nil
}

func (m *Main) export(ctx context.Context, unit *dangke.Unit, now time.Time) error {
	var f *report.Form
	var err error
	if m.tool.what == "form2" {
		if unit == nil || unit.Kind != dangke.KindCounty {
			return errors.New("form2 is per county: --unit 温县")
		}
		f, err = report.Form2(ctx, m.store, m.cfg.City, unit)
	} else {
		var p dangke.Period
		if m.tool.from != "" || m.tool.to != "" {
			if p.From, err = time.ParseInLocation(dangke.DateLayout, m.tool.from, now.Location()); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			if p.To, err = time.ParseInLocation(dangke.DateLayout, m.tool.to, now.Location()); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			p.Label = m.tool.from + "至" + m.tool.to
		}
		f, err = report.Form1(ctx, m.store, m.cfg.City, unit, p, now)
	}
	if err != nil {
		return err
	}
	format := m.tool.format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(m.tool.out[strings.LastIndex(m.tool.out, ".")+1:]), ".")
	}
	var data []byte
	switch format {
	case "csv":
		data, err = f.CSV()
	case "xlsx":
		data, err = f.XLSX()
	default:
		return fmt.Errorf("--format xlsx or csv, not %q", format)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(m.tool.out, data, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已导出 %s：%d 行。\n", m.tool.out, len(f.Rows))
	return nil
}
