package dangke

import (
	"fmt"
	"time"
)

// What a deadline requires, for the reminders before it.
const (
	RequirePool    = "pool"    // every county's lecturer pool at the target (附件2)
	RequireForm1   = "form1"   // every branch has lectured; the statistics form (附件1)
	RequireContest = "contest" // every reporting unit has entered its contestants
	RequireReport  = "report"  // a written report; the bot can only remind
)

// Deadline is a date the notice sets, with what it requires.
type Deadline struct {
	Name     string
	Date     time.Time // the last day, midnight in the campaign's zone
	Requires string    // one of the Require constants
}

// Campaign is one year's micro Party lecture campaign: its dates, its
// deadlines and targets, and when digests go out. Next year's campaign is a
// change of config.
type Campaign struct {
	Name       string
	Start, End time.Time
	Location   *time.Location
	Deadlines  []Deadline
	PoolTarget int // lecturers per county (20)
	// CoverageTarget is the coverage (上台率) the charts draw as a line, in
	// percent; 0 draws none (config campaign.coverage_target).
	CoverageTarget int
	RemindBefore   time.Duration // how long before a deadline the digest lists what is missing
	IdleWeeks      int           // a branch with no lecture for this many weeks is named
	Schedule       string        // cron-style, in Location: "0 9 * * 1" is Monday 09:00
	MaxAge         time.Duration // a digest missed for longer than this is skipped, not sent late
	// AcceptOutside lets lectures dated outside Start..End be logged
	// (config campaign.accept_outside); by default they are refused.
	AcceptOutside bool
	// Calendar says which days are working days: a digest due on a day off
	// goes on the next working day at the same hour, and reminders count
	// working days (config campaign.holidays and campaign.workdays).
	Calendar Calendar
}

// DefaultCampaign is the notice's own: 焦宣文〔2019〕15号, June to December 2019.
func DefaultCampaign(loc *time.Location) Campaign {
	day := func(m time.Month, d int) time.Time { return time.Date(2019, m, d, 0, 0, 0, 0, loc) }
	return Campaign{
		Name: "“我和我的祖国”微型党课系列活动", Start: day(6, 1), End: day(12, 31), Location: loc,
		Deadlines: []Deadline{
			{Name: "报送师资库统计表（附件2）", Date: day(6, 30), Requires: RequirePool},
			{Name: "全市十佳宣讲员比赛（8月上旬）", Date: day(8, 5), Requires: RequireContest},
			{Name: "报送活动统计表（附件1）", Date: day(9, 30), Requires: RequireForm1},
			{Name: "报送示范宣讲活动情况报告", Date: day(9, 30), Requires: RequireReport},
		},
		PoolTarget: PoolTarget, RemindBefore: 14 * 24 * time.Hour, IdleWeeks: 4,
		Schedule: "0 9 * * 1", MaxAge: 72 * time.Hour,
	}
}

// Validate refuses an inconsistent campaign with a message naming the fault.
func (c Campaign) Validate() error {
	switch {
	case c.Location == nil:
		return fmt.Errorf("campaign: no time zone")
	case c.Start.IsZero() || c.End.IsZero() || c.End.Before(c.Start):
		return fmt.Errorf("campaign: the end (%s) must not be before the start (%s)", c.End.Format(DateLayout), c.Start.Format(DateLayout))
	case c.PoolTarget < 1 || c.IdleWeeks < 1 || c.RemindBefore < 0 || c.MaxAge < 0:
		return fmt.Errorf("campaign: pool_target and idle_weeks must be positive, remind_before and max_age not negative")
	}
	for _, d := range c.Deadlines {
		if d.Name == "" {
			return fmt.Errorf("campaign: a deadline has no name")
		}
		if d.Date.Before(c.Start) || d.Date.After(c.End) {
			return fmt.Errorf("campaign: deadline %q on %s is outside the campaign (%s to %s)", d.Name, d.Date.Format(DateLayout), c.Start.Format(DateLayout), c.End.Format(DateLayout))
		}
		switch d.Requires {
		case RequirePool, RequireForm1, RequireContest, RequireReport:
		default:
			return fmt.Errorf("campaign: deadline %q requires %q; use pool, form1, contest or report", d.Name, d.Requires)
		}
	}
	return nil
}

// WeekLabel names a Monday-to-Sunday week as ISO 8601 does: 2019-W27.
func WeekLabel(p Period) string {
	y, w := p.From.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// ParseWeek reads 2019-W27 as that ISO week in loc.
func ParseWeek(s string, loc *time.Location) (Period, error) {
	var y, w int
	if n, err := fmt.Sscanf(s, "%d-W%d", &y, &w); err != nil || n != 2 || w < 1 || w > 53 {
		return Period{}, fmt.Errorf("week %q: write it as 2019-W27", s)
	}
	// The ISO week 1 holds 4 January.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	p := Week(jan4.AddDate(0, 0, 7*(w-1)))
	if yy, ww := p.From.ISOWeek(); yy != y || ww != w {
		return Period{}, fmt.Errorf("week %q does not exist", s)
	}
	return p, nil
}

// BoundChat is a chat the bot posts digests to: bound to a unit, or to the
// whole city (UnitID 0).
type BoundChat struct {
	Chat   ChatRef
	UnitID int64
}

// SpeakerStat is one lecturer's activity in one unit up to a week's end:
// the input of the weekly digest, read in one pass.
type SpeakerStat struct {
	UnitID              int64
	First, Last         string // days of the first and the latest lecture, 2019-07-01
	Lectures            int    // up to the week's end
	ThisWeek, LastWeek  int    // in the week and the one before
	Attendees           int
	Satisfied, Surveyed int
	Leader              bool
	Person              int64 // the person the lecturer is linked to across units, 0 if none
}

// Digest record states.
const (
	DigestSending = "sending" // claimed; a restart does not send it again
	DigestSent    = "sent"
	DigestFailed  = "failed" // the send failed; the scheduler tries again
)

// DigestStale is how long a claim may stay "sending": a send takes seconds
// (at most a few minutes with retries), so an older claim belongs to a
// process that died mid-send, and the digest is claimed and sent again.
const DigestStale = 10 * time.Minute
