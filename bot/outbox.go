package bot

import (
	"context"
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
	resent  atomic.Int64 // replies sent again from the outbox

	mu    sync.Mutex
	mine  map[dangke.MessageKey]bool // replies this process is sending or has sent lately
	order []dangke.MessageKey

	journal *journal // nil without one
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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := &Outbox{cfg: cfg, platform: platform, log: log, now: time.Now, mine: map[dangke.MessageKey]bool{}}
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
	n, err := o.journal.replay(ctx, func(ctx context.Context, k dangke.MessageKey) error {
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
	if !o.Enabled() {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err == nil {
		if o.journal != nil {
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

// Sweep sends the pending replies once. At start every pending reply is
// taken, since none is on its way in this process; later, only those older
// than Grace whose backoff (Every doubling per failure) has run out. It
// returns how many were sent.
func (o *Outbox) Sweep(ctx context.Context, send func(context.Context, dangke.Outgoing) error, atStart bool) int {
	if !o.Enabled() {
		return 0
	}
	now := o.now()
	before := now.Add(-o.cfg.Grace)
	if atStart {
		before = now.Add(time.Second)
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
			if !o.Claim(r.Key) {
				continue // on its way from this process already
			}
			r.Text = dangke.LateMark + r.Text
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			err := send(sctx, r)
			cancel()
			if ctx.Err() != nil {
				return sent
			}
			o.Delivered(ctx, r.Key, err)
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
		o.log.Info("outbox: pending confirmations sent again, marked 补发", "sent", sent, "failed", failed,
			"at_start", atStart, "note", "any the platform had accepted before a crash arrive twice")
	}
	return sent
}
