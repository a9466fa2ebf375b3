package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budgeter is an adapter that can say how much of its platform's sending
// quota is left, for `dangke status`: one Chinese line, "" when unknown.
type Budgeter interface {
	Budget() string
}

// Pacer spaces an adapter's sends within a platform's limits: one limiter
// for the whole app and, when PerChat is set, one per conversation (up to
// a bound, after which the oldest are forgotten). The zero Pacer does not
// wait.
type Pacer struct {
	all     *rate.Limiter
	perChat rate.Limit
	burst   int

	mu    sync.Mutex
	chats map[string]*rate.Limiter
}

// maxPacedChats bounds the per-conversation limiters kept.
const maxPacedChats = 10000

// NewPacer returns a pacer allowing perSecond sends a second across the app
// (burst at once), and, when chatEvery > 0, one send per chatEvery in each
// conversation with chatBurst at once.
func NewPacer(perSecond float64, burst int, chatEvery time.Duration, chatBurst int) *Pacer {
	p := &Pacer{chats: map[string]*rate.Limiter{}}
	if perSecond > 0 {
		p.all = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
	}
	if chatEvery > 0 {
		p.perChat, p.burst = rate.Every(chatEvery), max(chatBurst, 1)
	}
	return p
}

// Wait blocks until a send to chat ("" for an app-wide call) is allowed, or
// ctx ends.
func (p *Pacer) Wait(ctx context.Context, chat string) error {
	if p == nil {
		return nil
	}
	if p.all != nil {
		if err := p.all.Wait(ctx); err != nil {
			return fmt.Errorf("pace: %w", err)
		}
	}
	if p.perChat == 0 || chat == "" {
		return nil
	}
	p.mu.Lock()
	l := p.chats[chat]
	if l == nil {
		if len(p.chats) >= maxPacedChats {
			p.chats = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(p.perChat, p.burst)
		p.chats[chat] = l
	}
	p.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return fmt.Errorf("pace: %w", err)
	}
	return nil
}
