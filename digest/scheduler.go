package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"dangke"
	"dangke/bot"
	"dangke/chart"
)

// Scheduler posts the weekly digests: at each scheduled time, every bound
// chat gets its unit's digest (the city's chats the roll-up) for the week
// that has just ended. Each digest is a row of the outbox, the same as a
// confirmation's (key digest:2019-W27, kind digest), written before it is
// sent: its key makes it once per chat and week, whether the running bot or
// an operator's `dangke digest` sends it. It goes out through the platform
// adapter's outbox (bot.Outbox.Post), which records the outcome; a failed
// send, or one a crash cut off, is sent again by the adapter's outbox sweep
// with backoff, marked 补发, until MaxAttempts. A digest missed while the
// bot was down is sent once when it comes back, marked late, unless it is
// older than the campaign's MaxAge.
type Scheduler struct {
	Store     dangke.Store
	Notifiers map[string]dangke.Notifier // by platform
	Campaign  dangke.Campaign
	City      string
	Rubric    dangke.Rubric
	Now       func() time.Time
	Sleep     func(ctx context.Context, d time.Duration) error
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
	outboxes map[string]*bot.Outbox // for notifiers without an outbox of their own
}

// Result counts what a run did. Pending counts the digests (among Skipped)
// in the outbox and not yet accepted: on their way, or cut off by a crash
// or failed before; the adapters' outbox sweeps send them again, marked 补发.
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
			if _, err := s.RunWeek(ctx, week, late, nil); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				s.Log.Error("digest run failed", "err", err)
			}
		}
		if !ran && len(dues) > 0 {
			last := dues[len(dues)-1]
			week := dangke.Week(last.AddDate(0, 0, -7))
			inside := !week.To.Before(s.Campaign.Start) && !week.From.After(s.Campaign.End)
			if at := s.sendAt(last); inside && now.Sub(at) > s.Campaign.MaxAge {
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
		post, err := s.poster(bc.Chat.Platform, notifier)
		if err != nil {
			return res, err
		}
		key := dangke.DigestKey(bc.Chat, label)
		if row, found, err := s.Store.Reply(ctx, key); err != nil {
			return res, err
		} else if found {
			res.Skipped++
			if row.State == dangke.OutboxPending {
				res.Pending++
			}
			continue
		}
		if src == nil { // the week read one reporting unit at a time, as chats ask
			if src, err = NewSource(ctx, s.Store, s.Campaign, s.City, s.Rubric, week, week.To.AddDate(0, 0, 1)); err != nil {
				return res, err
			}
		}
		var scope *dangke.Unit
		if bc.UnitID != 0 {
			if scope, err = src.Unit(ctx, bc.UnitID); err != nil {
				s.Log.Error("digest not built", "chat", bc.Chat.Key(), "week", label, "err", err)
				res.Failed++
				continue
			}
		}
		snap, err := src.For(ctx, scope)
		if err != nil {
			return res, err
		}
		d := snap.Build(scope, late)
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
		out := dangke.Outgoing{Key: key, Kind: dangke.SendDigest, Group: bc.Chat.Group, Webhook: bc.Chat.Webhook, Text: d.Text, At: s.Now()}
		var saved bool
		if err := s.Store.Update(ctx, func(tx dangke.Tx) error {
			var err error
			saved, err = tx.SaveOutgoing(ctx, out)
			return err
		}); err != nil {
			return res, err
		}
		if !saved { // another process wrote it meanwhile
			res.Skipped++
			continue
		}
		tried, err := post(ctx, out, reply)
		switch {
		case err != nil:
			s.Log.Warn("digest not sent; the outbox tries it again", "chat", bc.Chat.Key(), "week", label, "err", err)
			res.Failed++
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		case !tried:
			res.Skipped++
			res.Pending++
		default:
			res.Sent++
		}
	}
	s.Log.Info("digests", "week", label, "sent", res.Sent, "skipped", res.Skipped, "failed", res.Failed)
	if s.Observe != nil {
		s.Observe(res)
	}
	return res, nil
}

// poster returns how a platform's digests are sent: through the adapter's
// own outbox when it has one, else through an outbox over this store around
// the notifier (the console, or an adapter without the store).
func (s *Scheduler) poster(platform string, n dangke.Notifier) (func(context.Context, dangke.Outgoing, *dangke.Reply) (bool, error), error) {
	if h, ok := n.(interface{ Outbox() *bot.Outbox }); ok && h.Outbox().Enabled() {
		return h.Outbox().Post, nil
	}
	if o := s.outboxes[platform]; o != nil {
		return o.Post, nil
	}
	marks, ok := s.Store.(dangke.Outbox)
	if !ok {
		return nil, errors.New("digest: the store keeps no outbox")
	}
	o := bot.NewOutbox(platform, bot.OutboxConfig{Store: marks, Now: s.Now}, s.Log)
	o.Notify = n.Notify
	if s.outboxes == nil {
		s.outboxes = map[string]*bot.Outbox{}
	}
	s.outboxes[platform] = o
	return o.Post, nil
}
