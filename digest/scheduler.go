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

// lastDue returns the latest scheduled time at or before now, looking back
// at most a fortnight past MaxAge, or zero.
func (s *Scheduler) lastDue(now time.Time) time.Time {
	var due time.Time
	for t := s.schedule.Next(now.Add(-s.Campaign.MaxAge - 14*24*time.Hour)); !t.After(now); t = s.schedule.Next(t) {
		due = t
	}
	return due
}

// Run posts digests on schedule until ctx ends. On start it catches up the
// most recent scheduled run if it was missed and is not too old.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.init(); err != nil {
		return err
	}
	loc := s.Campaign.Location
	for {
		now := s.Now().In(loc)
		if due := s.lastDue(now); !due.IsZero() {
			late := now.Sub(due) > time.Hour
			week := dangke.Week(due.AddDate(0, 0, -7))
			if week.To.Before(s.Campaign.Start) || week.From.After(s.Campaign.End) {
				s.Log.Debug("no digest outside the campaign", "week", dangke.WeekLabel(week))
			} else if now.Sub(due) > s.Campaign.MaxAge {
				s.Log.Info("digest missed long ago; skipped", "due", due, "max_age", s.Campaign.MaxAge)
			} else if _, err := s.RunWeek(ctx, week, late, nil); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				s.Log.Error("digest run failed", "err", err)
			}
		}
		wake := s.Now().In(loc)
		next := s.schedule.Next(wake)
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
	var snap *Snapshot
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
		if snap == nil { // read the week once, for every chat
			if snap, err = Collect(ctx, s.Store, s.Campaign, s.City, s.Rubric, week, week.To.AddDate(0, 0, 1)); err != nil {
				return res, err
			}
		}
		var scope *dangke.Unit
		if bc.UnitID != 0 {
			if scope, err = s.Store.UnitByID(ctx, bc.UnitID); err != nil {
				s.Log.Error("digest not built", "chat", bc.Chat.Key(), "week", label, "err", err)
				res.Failed++
				continue
			}
		}
		d := snap.Build(scope, late)
		reply := &dangke.Reply{Text: d.Text}
		if f, err := snap.Chart(s.Charts, scope, d); err != nil {
			s.Log.Warn("digest chart not drawn; sending the text", "chat", bc.Chat.Key(), "week", label, "err", err)
		} else if f != nil {
			reply.Files = append(reply.Files, *f)
		}
		out := dangke.Outgoing{Key: key, Kind: dangke.KindDigest, Group: bc.Chat.Group, Webhook: bc.Chat.Webhook, Text: d.Text, At: s.Now()}
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
