package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"dangke"
	"dangke/bot/console"
	"dangke/digest"
)

// digestArgs are the arguments of `dangke digest`.
type digestArgs struct {
	week   string
	unit   string
	dryRun bool
}

func (m *Main) parseDigest(args []string) error {
	fs := flag.NewFlagSet("dangke digest", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stdout, usage) }
	fs.StringVar(&m.configPath, "config", "", "configuration file")
	fs.StringVar(&m.dbPath, "db", "", "SQLite database file")
	fs.StringVar(&m.digest.week, "week", "", "ISO week, 2019-W27 (default: last week)")
	fs.StringVar(&m.digest.unit, "unit", "", "only chats bound to this unit or below it (全市: the city's chats)")
	fs.BoolVar(&m.digest.dryRun, "dry-run", false, "print the digests instead of sending them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see dangke --help", fs.Arg(0))
	}
	return nil
}

// runDigest prints or sends a week's digests. Sending goes through each
// platform's stateless API — it never opens a platform's long connection —
// and shares the exactly-once record with the running bot.
func (m *Main) runDigest(ctx context.Context) error {
	rc := m.routerConfig()
	loc := rc.Location
	week := dangke.Week(time.Now().In(loc).AddDate(0, 0, -7))
	if m.digest.week != "" {
		var err error
		if week, err = dangke.ParseWeek(m.digest.week, loc); err != nil {
			return err
		}
	}
	var scope *dangke.Unit
	cityOnly := m.digest.unit == dangke.CityName
	if m.digest.unit != "" && !cityOnly {
		u, err := m.store.UnitByPath(ctx, strings.Trim(m.digest.unit, "/"))
		if err != nil {
			return errors.New(dangke.ErrorMessage(err))
		}
		scope = u
	}
	only := func(bc dangke.BoundChat) bool {
		switch {
		case cityOnly:
			return bc.UnitID == 0
		case scope == nil:
			return true
		case bc.UnitID == 0:
			return false
		}
		u, err := m.store.UnitByID(ctx, bc.UnitID)
		return err == nil && scope.Contains(u)
	}
	if m.digest.dryRun {
		snap, err := digest.Collect(ctx, m.store, rc.Campaign, rc.City, rc.Rubric, week, week.To.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		chats, err := m.store.BoundChats(ctx)
		if err != nil {
			return err
		}
		printed := 0
		for _, bc := range chats {
			if !only(bc) {
				continue
			}
			var u *dangke.Unit
			if bc.UnitID != 0 {
				if u, err = m.store.UnitByID(ctx, bc.UnitID); err != nil {
					return err
				}
			}
			fmt.Fprintf(m.Stdout, "→ %s\n%s\n\n", bc.Chat.Key(), snap.Build(u, false).Text)
			printed++
		}
		if printed == 0 { // no chat bound: show the unit's (or the city's) digest itself
			fmt.Fprintln(m.Stdout, snap.Build(scope, false).Text)
		}
		return nil
	}
	adapters, err := m.platforms(ctx, nil)
	if err != nil {
		return err
	}
	notifiers := map[string]dangke.Notifier{console.Platform: &console.Adapter{Out: m.Stdout}}
	for _, a := range adapters {
		notifiers[a.Name()] = a
	}
	s := &digest.Scheduler{Store: m.store, Notifiers: notifiers, Campaign: rc.Campaign, City: rc.City, Rubric: rc.Rubric, Log: m.logger}
	res, err := s.RunWeek(ctx, week, false, only)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s：发送 %d，此前已发 %d，失败 %d。\n", dangke.WeekLabel(week), res.Sent, res.Skipped, res.Failed)
	if res.Failed > 0 {
		return fmt.Errorf("%d digests not sent; see the log", res.Failed)
	}
	return nil
}
