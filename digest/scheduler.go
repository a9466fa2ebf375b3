package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"dangke"
	"dangke/chart"
)

// Scheduler posts the weekly digests: at each scheduled time, every bound
// chat gets its unit's digest (the city's chats the roll-up) for the week
// that has just ended. Each (chat, week) is claimed in the store before it
// is sent, so neither a restart nor a second process posts it twice; a
// failed send is retried with backoff; a digest missed while the bot was
// down is sent once when it comes back, marked late, unless it is older
// than the campaign's MaxAge.
type Scheduler struct {
	Store     dangke.Store
	Notifiers map[string]dangke.Notifier // by platform
	Campaign  dangke.Campaign
	City      string
	Rubric    dangke.Rubric
	Now       func() time.Time
	Sleep     func(ctx context.Context, d time.Duration) error
	Retries   int           // send attempts per digest in one run; 3 by default
	Backoff   time.Duration // first wait between attempts, doubling; 30s by default
	Log       *slog.Logger
	// Charts draws the coverage chart that the city's and the reporting
	// units' digests carry as a file; nil sends text only.
	Charts *chart.Renderer
	// Observe, when set, is told the outcome of every run (for metrics).
	Observe func(Result)
	// Remind makes Run also send the deadline reminders (Reminders) each
	// day at the digest's hour.
	Remind bool
	// MaxMentions is how many responsible people one digest or reminder
	// @-mentions at most (DefaultMaxMentions when 0).
	MaxMentions int

	schedule cron.Schedule
}

// Result counts what a run did. Pending counts the digests (among Skipped)
// claimed by a send that has not finished: another process sending now, or
// one that died mid-send, whose digest goes again once its claim is stale.
type Result struct {
	Sent, Skipped, Failed, Pending int
}

func (s *Scheduler) init() error {
	if s.schedule != nil {
		return nil
	}
	sch, err := cron.ParseStandard(s.Campaign.Schedule)
	if err != nil {
		return fmt.Errorf("digest: schedule %q: %w", s.Campaign.Schedule, err)
	}
	s.schedule = sch
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Sleep == nil {
		s.Sleep = dangke.Sleep
	}
	if s.Retries <= 0 {
		s.Retries = 3
	}
	if s.Backoff <= 0 {
		s.Backoff = 30 * time.Second
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// ParseSchedule checks a cron-style schedule.
func ParseSchedule(spec string) error {
	_, err := cron.ParseStandard(spec)
	return err
}

// sendAt is when a scheduled time's digest goes: then, or on the next
// working day at the same hour when it falls on a day off.
func (s *Scheduler) sendAt(due time.Time) time.Time { return s.Campaign.Calendar.NextWorkday(due) }

// dues returns the scheduled times whose digests are due at now (sent at or
// before now), oldest first, looking back a fortnight past MaxAge and the
// longest holiday.
func (s *Scheduler) dues(now time.Time) []time.Time {
	var out []time.Time
	for t := s.schedule.Next(now.Add(-s.Campaign.MaxAge - 28*24*time.Hour)); !t.After(now); t = s.schedule.Next(t) {
		if !s.sendAt(t).After(now) {
			out = append(out, t)
		}
	}
	return out
}

// nextSend returns the first time after wake that a digest is to go.
func (s *Scheduler) nextSend(wake time.Time) time.Time {
	var best time.Time
	for t := s.schedule.Next(wake.Add(-28 * 24 * time.Hour)); t.Before(wake.Add(40 * 24 * time.Hour)); t = s.schedule.Next(t) {
		if at := s.sendAt(t); at.After(wake) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if best.IsZero() {
		return s.schedule.Next(wake)
	}
	return best
}

// Run posts digests on schedule until ctx ends; one due on a day off of the
// campaign's calendar goes on the next working day at the same hour. On
// start it catches up the scheduled runs it missed that are not too old.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.init(); err != nil {
		return err
	}
	loc := s.Campaign.Location
	for {
		now := s.Now().In(loc)
		pending := false
		dues := s.dues(now)
		ran := false
		for _, due := range dues {
			at := s.sendAt(due)
			late := now.Sub(at) > time.Hour
			week := dangke.Week(due.AddDate(0, 0, -7))
			if week.To.Before(s.Campaign.Start) || week.From.After(s.Campaign.End) {
				s.Log.Debug("no digest outside the campaign", "week", dangke.WeekLabel(week))
				continue
			}
			if now.Sub(at) > s.Campaign.MaxAge {
				continue
			}
			ran = true
			if res, err := s.RunWeek(ctx, week, late, nil); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				s.Log.Error("digest run failed", "err", err)
			} else if res.Pending > 0 {
				pending = true
			}
		}
		if !ran && len(dues) > 0 {
			if at := s.sendAt(dues[len(dues)-1]); now.Sub(at) > s.Campaign.MaxAge {
				s.Log.Info("digest missed long ago; skipped", "due", at, "max_age", s.Campaign.MaxAge)
			}
		}
		// The day's reminders go from the digest's hour until 20:00, not
		// in the night when the bot happens to start then.
		if at := s.schedule.Next(now); s.Remind && now.Hour() < 20 && now.Hour()*60+now.Minute() >= at.Hour()*60+at.Minute() {
			if _, err := s.Reminders(ctx, now); err != nil && ctx.Err() == nil {
				s.Log.Error("deadline reminders failed", "err", err)
			}
		}
		wake := s.Now().In(loc)
		next := s.nextSend(wake)
		if s.Remind { // tomorrow at the digest's hour, for the day's reminders
			at := s.schedule.Next(wake)
			day := dangke.Midnight(wake).AddDate(0, 0, 1)
			if tomorrow := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, loc); tomorrow.Before(next) {
				next = tomorrow
			}
		}
		// A send claimed and not finished (say the bot was killed mid-send
		// and restarted at once) is looked at again once its claim is stale,
		// not a week later.
		if recheck := wake.Add(dangke.DigestStale + time.Minute); pending && recheck.Before(next) {
			s.Log.Info("a digest claimed earlier has not finished; looking again", "at", recheck)
			next = recheck
		}
		s.Log.Debug("next digest", "at", next)
		if err := s.Sleep(ctx, next.Sub(wake)); err != nil {
			return nil
		}
	}
}

// RunWeek sends a week's digests to every bound chat that only accepts
// (nil: all) and has not had it. A chat whose platform has no notifier here
// is left unclaimed for the process that has one.
func (s *Scheduler) RunWeek(ctx context.Context, week dangke.Period, late bool, only func(dangke.BoundChat) bool) (Result, error) {
	var res Result
	if err := s.init(); err != nil {
		return res, err
	}
	chats, err := s.Store.BoundChats(ctx)
	if err != nil {
		return res, err
	}
	label := dangke.WeekLabel(week)
	var src *Source // one reporting unit at a time, in the chats' order
	for _, bc := range chats {
		if only != nil && !only(bc) {
			continue
		}
		notifier := s.Notifiers[bc.Chat.Platform]
		if notifier == nil {
			continue
		}
		// A claim still "sending" that can be claimed again was left by a
		// process that died mid-send: the chat may or may not have it, so it
		// goes again, marked 补发, rather than being lost.
		before, err := s.Store.DigestStatus(ctx, bc.Chat, label)
		if err != nil {
			return res, err
		}
		var claimed bool
		err = s.Store.Update(ctx, func(tx dangke.Tx) error {
			var err error
			claimed, err = tx.ClaimDigest(ctx, bc.Chat, label, late, s.Now())
			return err
		})
		if err != nil {
			return res, err
		}
		if !claimed {
			res.Skipped++
			if before == dangke.DigestSending {
				res.Pending++
			}
			continue
		}
		resend := before == dangke.DigestSending
		if resend {
			s.Log.Warn("digest claimed earlier but its send never finished; sending again, marked 补发",
				"chat", bc.Chat.Key(), "week", label)
		}
		if src == nil {
			if src, err = NewSource(ctx, s.Store, s.Campaign, s.City, s.Rubric, week, week.To.AddDate(0, 0, 1)); err != nil {
				s.finish(ctx, bc, label, dangke.DigestFailed, err.Error())
				return res, err
			}
		}
		var scope *dangke.Unit
		if bc.UnitID != 0 {
			if scope, err = s.Store.UnitByID(ctx, bc.UnitID); err != nil {
				s.finish(ctx, bc, label, dangke.DigestFailed, err.Error())
				res.Failed++
				continue
			}
		}
		snap, err := src.For(ctx, scope)
		if err != nil {
			s.finish(ctx, bc, label, dangke.DigestFailed, err.Error())
			return res, err
		}
		d := snap.Build(scope, late || resend)
		reply := &dangke.Reply{Text: d.Text}
		if !d.Quiet { // mentions.go: the responsible people of the units it names
			if reply.Mentions, err = mentions(ctx, s.Store, bc.Chat, snap.Named(scope), s.MaxMentions); err != nil {
				s.Log.Warn("digest mentions not read; sending without", "chat", bc.Chat.Key(), "err", err)
			}
		}
		if f, err := snap.Chart(s.Charts, scope, d); err != nil {
			s.Log.Warn("digest chart not drawn; sending the text", "chat", bc.Chat.Key(), "week", label, "err", err)
		} else if f != nil {
			reply.Files = append(reply.Files, *f)
		}
		if err := s.send(ctx, notifier, bc, reply); err != nil {
			s.Log.Error("digest not sent", "chat", bc.Chat.Key(), "week", label, "err", err)
			s.finish(ctx, bc, label, dangke.DigestFailed, err.Error())
			res.Failed++
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			continue
		}
		s.finish(ctx, bc, label, dangke.DigestSent, "")
		res.Sent++
	}
	s.Log.Info("digests", "week", label, "sent", res.Sent, "skipped", res.Skipped, "failed", res.Failed)
	if s.Observe != nil {
		s.Observe(res)
	}
	return res, nil
}

// send tries a digest a few times, waiting longer each time.
func (s *Scheduler) send(ctx context.Context, n dangke.Notifier, bc dangke.BoundChat, reply *dangke.Reply) error {
	wait := s.Backoff
	var err error
	for attempt := 1; attempt <= s.Retries; attempt++ {
		if err = n.Notify(ctx, bc.Chat, reply); err == nil {
			return nil
		}
		if attempt == s.Retries {
			break
		}
		s.Log.Warn("digest send failed; retrying", "chat", bc.Chat.Key(), "attempt", attempt, "in", wait, "err", err)
		if serr := s.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
		wait *= 2
	}
	return err
}

func (s *Scheduler) finish(ctx context.Context, bc dangke.BoundChat, week, status, detail string) {
	// Recorded even when ctx has ended: the outcome must not be lost.
	ctx = context.WithoutCancel(ctx)
	err := s.Store.Update(ctx, func(tx dangke.Tx) error {
		return tx.FinishDigest(ctx, bc.Chat, week, status, detail, s.Now())
	})
	if err != nil {
		s.Log.Error("digest outcome not recorded", "chat", bc.Chat.Key(), "week", week, "err", err)
	}
}
