package commands

import (
	"sync"

	"dangke"
)

// maxMembers bounds the member cache; when full it starts again, and the
// store's insert, which ignores a known member, keeps the record exact.
const maxMembers = 100000

// memberCache remembers which senders are already recorded as members of
// which bound chats, so that only a sender's first command there writes.
type memberCache struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func memberKey(req dangke.Request) string { return req.From.Key() + "\x00" + req.Chat.Key() }

func (m *memberCache) known(req dangke.Request) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.seen[memberKey(req)]
	return ok
}

func (m *memberCache) note(req dangke.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil || len(m.seen) >= maxMembers {
		m.seen = make(map[string]struct{})
	}
	m.seen[memberKey(req)] = struct{}{}
}
