package commands

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Costly commands (digests of many units, exports) may be run a few times
// in a row, then once per costlyEvery, per person.
const (
	costlyBurst = 5
	costlyEvery = 30 * time.Second
)

// limiter rate-limits costly commands per person.
type limiter struct {
	mu  sync.Mutex
	per map[string]*rate.Limiter
}

// allow reports whether person may run a costly command at now, and if not,
// how long to wait. It takes nothing from the allowance: spend does, once
// the command has run, so that a refused request costs none.
func (l *limiter) allow(person string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.per[person]
	if lim == nil || lim.TokensAt(now) >= 1 {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}

// spend takes one costly run from person's allowance.
func (l *limiter) spend(person string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.per == nil {
		l.per = make(map[string]*rate.Limiter)
	}
	if len(l.per) > 10000 { // forget the people whose allowance is full again
		for k, v := range l.per {
			if v.TokensAt(now) >= costlyBurst {
				delete(l.per, k)
			}
		}
	}
	lim := l.per[person]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(costlyEvery), costlyBurst)
		l.per[person] = lim
	}
	lim.AllowN(now, 1)
}

// busyText says how long to wait before the next costly command.
func busyText(title string, wait time.Duration) string {
	return fmt.Sprintf("%s 刚用过多次，请 %d 秒后再试。", title, int(wait.Seconds())+1)
}
