package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"dangke"
)

// OutboxConfig configures an adapter's use of the reply outbox.
type OutboxConfig struct {
	Store       dangke.Outbox // nil: replies are sent once and nothing is sent again
	MaxAge      time.Duration // pending replies older than this are not sent again: 24h
	Every       time.Duration // how often pending replies are looked for: 1 minute
	Grace       time.Duration // a pending reply younger than this may still be on its way: 2 minutes
	MaxAttempts int           // failed sends before a reply is given up: 5
	Batch       int           // replies read from the outbox at a time: 200
	// Journal is the path prefix of a file (one per platform: PATH.dingtalk)
	// where each accepted reply is noted at once, so that a crash before its
	// mark is committed does not send it again; "" for none.
	Journal string
	// InFlight is how many saved replies may be on their way to the
	// platform at once: 1. A crash repeats at most the replies on their way
	// (the platform took them, the process died before reading its answer),
	// so with 1 a kill repeats at most one confirmation.
	InFlight int
	// Pace, when set, is waited on before each send from the outbox (a
	// reply, a reply sent again, a digest): the place where per-platform
	// quotas and rate limits plug in. An error leaves the message pending
	// for a later sweep; it is not counted as a failed attempt.
	Pace func(ctx context.Context, o dangke.Outgoing) error
	// Now is the clock the rows' ages are read with: time.Now.
	Now func() time.Time
	// Shared says that other processes (replicas on one PostgreSQL
	// database) send from the same outbox: a row saved before this one
	// started may be on its way from another, so the sweep at start too
	// takes only rows older than Grace, and respects the others' claims.
	Shared bool
	// Lease is how long a claim on a row's send holds in the database
	// (dangke.ClaimLease): a replica that dies while sending leaves its
	// rows to the others after it. A send that waited for Pace or a slot
	// for more than a quarter of it renews its claim first.
	Lease time.Duration
}

// Outbox carries one adapter's saved replies: it records whether the
// platform accepted each, and sends again, marked 补发, the ones a crash or
// a failure left pending. Delivery is at least once: a crash between the
// platform accepting a reply and its mark makes it go out twice.
type Outbox struct {
	cfg      OutboxConfig
	platform string
	log      *slog.Logger
	now      func() time.Time

	repeats atomic.Int64 // replies the platform accepted more than once
	doubt   atomic.Int64 // replies on their way at the crash before this start
	resent  atomic.Int64 // replies sent again from the outbox

	mu    sync.Mutex
	mine  map[dangke.MessageKey]bool // replies this process is sending or has sent lately
	order []dangke.MessageKey

	journal *journal      // nil without one
	slots   chan struct{} // one per reply on its way (InFlight)
	started time.Time     // rows saved before this are nobody's in this process

	// Notify sends a proactive message (a digest, a reminder, a file) kept
	// in the outbox: the adapter's Notify. Without it such rows are left
	// to an adapter that has one.
	Notify func(ctx context.Context, chat dangke.ChatRef, reply *dangke.Reply) error
}

// mineCap bounds the replies Claim remembers.
const mineCap = 10000

// Claim reports whether this process may send the reply of key: false when
// it is sending it already, or has sent it lately (a redelivered message and
// the sweep then leave it alone). A failed send gives the claim back.
func (o *Outbox) Claim(key dangke.MessageKey) bool {
	if !o.Enabled() {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.mine[key] {
		return false
	}
	o.mine[key] = true
	o.order = append(o.order, key)
	if len(o.order) > mineCap {
		delete(o.mine, o.order[0])
		o.order = o.order[1:]
	}
	return true
}

func (o *Outbox) release(key dangke.MessageKey) {
	o.mu.Lock()
	delete(o.mine, key)
	o.mu.Unlock()
}

// NewOutbox returns the outbox of one platform's adapter.
func NewOutbox(platform string, cfg OutboxConfig, log *slog.Logger) *Outbox {
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lease <= 0 {
		cfg.Lease = dangke.ClaimLease
	}
	o := &Outbox{cfg: cfg, platform: platform, log: log, now: cfg.Now, mine: map[dangke.MessageKey]bool{},
		slots: make(chan struct{}, cfg.InFlight), started: cfg.Now()}
	if cfg.Journal != "" && cfg.Store != nil {
		o.journal = &journal{path: cfg.Journal + "." + platform}
	}
	return o
}

// Recover marks sent the replies the journal noted before a crash. Call it
// at start, before any message is handled or reply sent again.
func (o *Outbox) Recover(ctx context.Context) {
	if !o.Enabled() || o.journal == nil {
		return
	}
	n, doubt, err := o.journal.replay(ctx, func(ctx context.Context, k dangke.MessageKey) error {
		_, err := o.cfg.Store.MarkSent(ctx, k, o.now())
		return err
	})
	if err != nil {
		o.log.Error("outbox: cannot read the journal of accepted replies; some may be sent twice", "err", err)
		o.journal = nil
		return
	}
	if n > 0 {
		o.log.Info("outbox: replies accepted before a crash marked sent from the journal", "replies", n)
	}
	if doubt > 0 {
		o.doubt.Add(int64(doubt))
		o.log.Info("outbox: replies on their way at the crash are sent again; the platform may have taken them, so each may arrive twice",
			"replies", doubt)
	}
}

// InDoubt counts the replies that were on their way when the process
// before this one died: the journal shows them sent but not answered, so
// they go out again and may be repeats (at most InFlight per crash).
func (o *Outbox) InDoubt() int64 { return o.doubt.Load() }

// Send sends the message of key through send, at most InFlight at once and
// after Pace, and records the outcome: err nil means the platform accepted
// it. It reports false without sending when this process is sending it
// already or has sent it lately (a redelivered message and the sweep then
// leave it alone), or when another replica holds its claim. Every send of a
// saved message goes through here: the live reply, the sweep's 补发 and the
// proactive messages. A live reply or a proactive message comes claimed in
// the database already (saved by this replica with its entry, or claimed by
// the router for a redelivered message): Send renews that claim only when
// it waited long for Pace or a slot, or, among replicas (Shared), before
// each send.
func (o *Outbox) Send(ctx context.Context, out dangke.Outgoing, send func(context.Context) error) (bool, error) {
	return o.send(ctx, out, send, false, false)
}

// send is Send; claim says to claim the row in the database first (the
// sweep), force to take it whoever holds it (the sweep at the start of the
// only process on its database).
func (o *Outbox) send(ctx context.Context, out dangke.Outgoing, send func(context.Context) error, claim, force bool) (bool, error) {
	if !o.Enabled() {
		return true, send(ctx)
	}
	if !o.Claim(out.Key) {
		return false, nil
	}
	claimed := o.now()
	if claim || o.cfg.Shared {
		// The sweep claims the row; a live send among replicas renews the
		// claim its row was saved with (saved at the message's own time,
		// which may be old, it may have run out already).
		if won, err := o.claimRow(ctx, out.Key, force); !won {
			o.release(out.Key)
			return false, err
		}
	}
	if o.cfg.Pace != nil {
		if err := o.cfg.Pace(ctx, out); err != nil {
			o.release(out.Key) // still pending: a later sweep sends it
			return false, err
		}
	}
	select {
	case o.slots <- struct{}{}:
	case <-ctx.Done():
		o.release(out.Key)
		return false, ctx.Err()
	}
	if o.now().Sub(claimed) > o.cfg.Lease/4 {
		// Waited long: the claim may be running out. Renew it, or leave
		// the row to the replica that took it over.
		if won, err := o.claimRow(ctx, out.Key, false); !won {
			<-o.slots
			o.release(out.Key)
			return false, err
		}
	}
	if o.journal != nil {
		o.journal.intent(out.Key)
	}
	err := send(ctx)
	if err == nil && o.journal != nil {
		o.journal.note(out.Key) // before the slot is free: at most InFlight unnoted at a crash
	}
	<-o.slots
	o.delivered(ctx, out.Key, err, true)
	return true, err
}

// claimRow claims a row's send in the database for this replica.
func (o *Outbox) claimRow(ctx context.Context, key dangke.MessageKey, force bool) (bool, error) {
	won, err := o.cfg.Store.ClaimSend(ctx, key, o.now(), o.cfg.Lease, force)
	if err != nil {
		o.log.Warn("outbox: cannot claim a message's send; a later sweep tries again", "chat", key.Chat, "msg", key.ID, "err", err)
	}
	return won, err
}

// Close closes the journal.
func (o *Outbox) Close() {
	if o != nil && o.journal != nil {
		o.journal.close()
	}
}

// Enabled reports whether there is an outbox to record deliveries in.
func (o *Outbox) Enabled() bool { return o != nil && o.cfg.Store != nil }

// Key is the outbox key of a request's reply.
func Key(req dangke.Request) dangke.MessageKey {
	return dangke.MessageKey{Platform: req.Chat.Platform, Chat: req.Chat.ID, ID: req.MsgID}
}

// Repeats counts the replies the platform accepted more than once that this
// adapter knows of.
func (o *Outbox) Repeats() int64 { return o.repeats.Load() }

// Resent counts the replies sent again from the outbox.
func (o *Outbox) Resent() int64 { return o.resent.Load() }

// Delivered records the outcome of sending a saved reply, claimed with
// Claim: err nil means the platform accepted it. A reply that keeps failing is given up after
// MaxAttempts and logged once at error.
func (o *Outbox) Delivered(ctx context.Context, key dangke.MessageKey, err error) {
	o.delivered(ctx, key, err, false)
}

func (o *Outbox) delivered(ctx context.Context, key dangke.MessageKey, err error, noted bool) {
	if !o.Enabled() {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err == nil {
		if o.journal != nil && !noted {
			o.journal.note(key)
		}
		repeat, merr := o.cfg.Store.MarkSent(ctx, key, o.now())
		if o.journal != nil {
			o.journal.done(merr == nil)
		}
		if merr != nil {
			o.log.Warn("outbox: cannot mark a reply sent; it may be sent again", "chat", key.Chat, "msg", key.ID, "err", merr)
		} else if repeat {
			n := o.repeats.Add(1)
			o.log.Info("outbox: a confirmation went out again (delivery is at least once)", "chat", key.Chat, "msg", key.ID, "repeats", n)
		}
		return
	}
	o.release(key)
	gaveUp, merr := o.cfg.Store.MarkFailed(ctx, key, err.Error(), o.now(), o.cfg.MaxAttempts)
	switch {
	case merr != nil:
		o.log.Warn("outbox: cannot record a failed reply", "chat", key.Chat, "msg", key.ID, "err", merr)
	case gaveUp:
		o.log.Error("outbox: reply given up after repeated failures (is the bot still in the chat?)", "chat", key.Chat,
			"msg", key.ID, "attempts", o.cfg.MaxAttempts, "err", err)
	default:
		o.log.Warn("outbox: reply failed; it will be sent again", "chat", key.Chat, "msg", key.ID, "err", err)
	}
}

// Post sends a proactive message saved in the outbox (SaveOutgoing) through
// Notify, as Send does: once per process, paced, its outcome recorded. A
// failed one stays pending and the sweep tries it again with backoff, marked
// 补发, with the files and mentions kept in its row (a digest's chart).
func (o *Outbox) Post(ctx context.Context, out dangke.Outgoing, reply *dangke.Reply) (bool, error) {
	if o.Notify == nil {
		return false, fmt.Errorf("bot: %s: no way to send a %s", o.platform, out.Kind)
	}
	return o.Send(ctx, out, func(ctx context.Context) error { return o.Notify(ctx, out.Chat(), reply) })
}

// resend sends a pending row again: a reply through the adapter's send,
// a proactive message through Notify.
func (o *Outbox) resend(ctx context.Context, r dangke.Outgoing, send func(context.Context, dangke.Outgoing) error) error {
	if r.Kind == "" || r.Kind == dangke.SendReply {
		return send(ctx, r)
	}
	if o.Notify == nil {
		return fmt.Errorf("bot: %s: no way to send a %s", o.platform, r.Kind)
	}
	return o.Notify(ctx, r.Chat(), &dangke.Reply{Text: r.Text, Files: r.Files, Mentions: r.Mentions})
}

// Run sends the pending replies again, now and every Every until ctx ends,
// through send, which gets each reply's text already marked 补发.
func (o *Outbox) Run(ctx context.Context, send func(context.Context, dangke.Outgoing) error) {
	if !o.Enabled() {
		return
	}
	o.Sweep(ctx, send, true)
	t := time.NewTicker(o.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.Sweep(ctx, send, false)
		}
	}
}

// Sweep sends the pending rows once (replies through send, proactive
// messages through Notify), marked 补发. At start it takes every pending
// row saved before the process started, since no process sends those now;
// later, only those older than Grace whose backoff (Every doubling per
// failure) has run out. It returns how many were sent.
func (o *Outbox) Sweep(ctx context.Context, send func(context.Context, dangke.Outgoing) error, atStart bool) int {
	if !o.Enabled() {
		return 0
	}
	now := o.now()
	before := now.Add(-o.cfg.Grace)
	force := false
	if atStart && !o.cfg.Shared {
		// Every row saved before this process started is nobody's: its
		// process died, whatever its claim says. Rows saved since are this
		// process's live sends.
		before, force = o.started, true
	}
	since := now.Add(-o.cfg.MaxAge)
	sent, failed := 0, 0
	for ctx.Err() == nil {
		rows, err := o.cfg.Store.Pending(ctx, o.platform, since, before, o.cfg.Batch)
		if err != nil {
			o.log.Warn("outbox: cannot read pending replies", "err", err)
			return sent
		}
		for _, r := range rows {
			if ctx.Err() != nil {
				return sent
			}
			if r.Attempts > 0 && !atStart && now.Before(r.TriedAt.Add(o.cfg.Every<<min(r.Attempts-1, 10))) {
				continue
			}
			r.Text = dangke.LateMark + r.Text
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			tried, err := o.send(sctx, r, func(ctx context.Context) error { return o.resend(ctx, r, send) }, true, force)
			cancel()
			if ctx.Err() != nil {
				return sent
			}
			if !tried {
				continue // on its way from this process already, claimed by another replica, or paced
			}
			if err == nil {
				sent++
				o.resent.Add(1)
			} else {
				failed++
			}
		}
		if len(rows) < o.cfg.Batch {
			break
		}
		// The next page: rows of the same millisecond beyond a full page wait for the next sweep.
		since = rows[len(rows)-1].At.Add(time.Millisecond)
	}
	if sent > 0 || failed > 0 {
		o.log.Info("outbox: pending messages sent again, marked 补发", "sent", sent, "failed", failed,
			"at_start", atStart, "note", "only those on their way at a crash (in doubt) may arrive twice")
	}
	return sent
}
