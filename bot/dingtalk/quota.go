package dingtalk

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrQuota is the error of a proactive send refused because the
// organisation's monthly OpenAPI quota is used up (the free edition allows
// 10,000 metered calls a month; DingTalk answers errcode 90020 or code
// Forbidden.AccessDenied.ApiCountLimitForOrg until the month ends).
var ErrQuota = errors.New("dingtalk: the organisation's monthly API quota is used up")

// quotaCodes are how DingTalk says the monthly quota is used up.
var quotaCodes = []string{"Forbidden.AccessDenied.ApiCountLimitForOrg", `"errcode":90020`}

// isQuota reports whether an OpenAPI error answer says the quota is used up.
func isQuota(code string, raw []byte) bool {
	for _, c := range quotaCodes {
		if code == c || strings.Contains(string(raw), c) {
			return true
		}
	}
	return false
}

// quota counts this process's metered calls in the current month and
// remembers when DingTalk has said the quota is used up.
type quota struct {
	mu        sync.Mutex
	month     string // 2019-07
	calls     int
	exhausted bool
	limit     int // the configured monthly quota; 0: unknown
}

// roll starts a new month's count when the month has changed.
func (q *quota) roll(now time.Time) {
	if m := now.Format("2006-01"); m != q.month {
		q.month, q.calls, q.exhausted = m, 0, false
	}
}

// call counts one metered call and reports whether the quota is known to
// be used up (the call is not made then).
func (q *quota) call(now time.Time) (exhausted bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	if q.exhausted {
		return true
	}
	q.calls++
	return false
}

// exhaust records DingTalk's word that the quota is used up, and reports
// whether this is the first time this month (to log it once).
func (q *quota) exhaust(now time.Time) (first bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	first = !q.exhausted
	q.exhausted = true
	return first
}

// text is the budget line for `dangke status`.
func (q *quota) text(now time.Time) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	s := fmt.Sprintf("本月主动调用 %d 次（本进程计数）", q.calls)
	if q.limit > 0 {
		s += fmt.Sprintf("，额度 %d，约剩 %d", q.limit, max(q.limit-q.calls, 0))
	}
	if q.exhausted {
		s += "；钉钉已回复本月额度用尽，周报改走会话 Webhook（有效期内），下月恢复"
	}
	return s
}

// hook is a group's latest sessionWebhook, for sends that need no quota.
type hook struct {
	url     string
	expires time.Time
}

// hooks remembers each group's latest sessionWebhook.
type hooks struct {
	mu sync.Mutex
	m  map[string]hook
}

// note keeps a group's webhook from a message.
func (h *hooks) note(conversation, url string, expires time.Time) {
	if url == "" || expires.IsZero() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) > 10000 {
		h.m = map[string]hook{}
	}
	h.m[conversation] = hook{url, expires}
}

// live returns a group's webhook when it is good for another minute.
func (h *hooks) live(conversation string, now time.Time) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k, ok := h.m[conversation]
	if !ok || !now.Add(time.Minute).Before(k.expires) {
		return "", false
	}
	return k.url, true
}

// Budget says how much of the monthly quota is left; see bot.Budgeter.
func (a *Adapter) Budget() string { return a.quota.text(time.Now()) }

// staffIDs are the DingTalk user ids of mention keys (dingtalk:ID).
func staffIDs(keys []string) []string {
	var out []string
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, Platform+":"); ok && id != "" {
			out = append(out, id)
		}
	}
	return out
}

// atText is the text that makes DingTalk show @-mentions: @ID for each.
func atText(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return "  \n\n@" + strings.Join(ids, " @")
}
