package main

import (
	"context"
	"errors"
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
	force  bool
}

func (m *Main) parseDigest(args []string) error {
	fs := m.flags("digest", "打印或发送某周的周报（默认上周），发往每个绑定了单位的群。与运行中的机器人共用发送记录，\n"+
		"同一周同一个群不会发两次；发送走各平台的接口，不占用机器人的长连接。\n"+
		"活动期间之外的周不发送（与定时周报相同），除非加 --force；--dry-run 只打印。\n"+
		"节假日不影响手动发送（定时周报遇节假日顺延到下一个工作日同一时刻）；点名单位的负责人会被 @（/单位 负责人）。",
		exampleOf("dangke digest"))
	fs.StringVar(&m.digest.week, "week", "", "哪一周 `WEEK`：ISO 周 2019-W27，或这一周里的任一天 2019-07-15（默认上周）")
	fs.StringVar(&m.digest.unit, "unit", "", "只发给绑定到单位 `PATH` 及其下级的群；全市：只发市级群")
	fs.BoolVar(&m.digest.dryRun, "dry-run", false, "只打印周报，不发送")
	fs.BoolVar(&m.digest.force, "force", false, "活动期间之外也发送")
	return m.parse(fs, args)
}

// parseWeek reads --week: an ISO week (2019-W27) or a day in it (2019-07-15).
func parseWeek(s string, loc *time.Location) (dangke.Period, error) {
	if d, err := time.ParseInLocation(dangke.DateLayout, s, loc); err == nil {
		return dangke.Week(d), nil
	}
	if p, err := dangke.ParseWeek(s, loc); err == nil {
		return p, nil
	}
	return dangke.Period{}, fmt.Errorf("--week「%s」看不懂：写 ISO 周，例如 --week 2019-W27，或这一周里的一天，例如 --week 2019-07-15", s)
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
		if week, err = parseWeek(m.digest.week, loc); err != nil {
			return err
		}
	}
	// Outside the campaign the scheduler sends nothing; neither does this,
	// unless the operator insists.
	if c := rc.Campaign; !m.digest.dryRun && !m.digest.force && (week.To.Before(c.Start) || week.From.After(c.End)) {
		return fmt.Errorf("%s 不在活动期间（%s 至 %s），定时周报也不会发送。只看内容用 --dry-run；确要发送加 --force，例如 dangke digest --week %s --force",
			dangke.WeekLabel(week), c.Start.Format(dangke.DateLayout), c.End.Format(dangke.DateLayout), isoWeek(week))
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
		src, err := digest.NewSource(ctx, m.store, rc.Campaign, rc.City, rc.Rubric, week, week.To.AddDate(0, 0, 1))
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
				if u, err = src.Unit(ctx, bc.UnitID); err != nil {
					return err
				}
			}
			snap, err := src.For(ctx, u)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "→ %s\n%s\n\n", bc.Chat.Key(), snap.Build(u, false).Text)
			printed++
		}
		if printed == 0 { // no chat bound: show the unit's (or the city's) digest itself
			snap, err := src.For(ctx, scope)
			if err != nil {
				return err
			}
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
	s := &digest.Scheduler{Store: m.store, Notifiers: notifiers, Campaign: rc.Campaign, City: rc.City, Rubric: rc.Rubric, Log: m.logger, Charts: rc.Charts,
		MaxMentions: m.cfg.Campaign.MaxMentions}
	res, err := s.RunWeek(ctx, week, false, only)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s：发送 %d，此前已发 %d，失败 %d。\n", dangke.WeekLabel(week), res.Sent, res.Skipped-res.Pending, res.Failed)
	if res.Pending > 0 {
		fmt.Fprintf(m.Stdout, "另有 %d 份在发件箱中尚未送达（正在发送、发送失败或进程中断）；运行中的机器人会标明“补发”再发。\n", res.Pending)
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d 份周报没有发出，原因见日志；它们留在发件箱中，运行中的机器人会补发", res.Failed)
	}
	return nil
}

// isoWeek writes a week as --week takes it: 2019-W27.
func isoWeek(p dangke.Period) string {
	y, w := p.From.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}
