package commands

import (
	"context"
	"sync"
	"time"
)

// memConversations keeps the waiting commands in memory, for a store that
// does not keep them (one process only). Expired ones are forgotten at
// most once per prompt timeout, so that the sweep costs each message O(1).
type memConversations struct {
	mu        sync.Mutex
	m         map[string]memConversation
	timeout   time.Duration
	lastSweep time.Time
}

type memConversation struct {
	state   []byte
	expires time.Time
}

func (m *memConversations) SaveConversation(_ context.Context, key string, state []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := expires.Add(-m.timeout)
	if now.Sub(m.lastSweep) >= m.timeout || now.Before(m.lastSweep) {
		for k, c := range m.m {
			if now.After(c.expires) {
				delete(m.m, k)
			}
		}
		m.lastSweep = now
	}
	m.m[key] = memConversation{state: state, expires: expires}
	return nil
}

func (m *memConversations) PeekConversation(_ context.Context, key string) ([]byte, time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[key]
	return c.state, c.expires, ok, nil
}

func (m *memConversations) DropConversation(_ context.Context, key string, state []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[key]
	if !ok || string(c.state) != string(state) {
		return false, nil
	}
	delete(m.m, key)
	return true, nil
}

func (m *memConversations) TakeConversation(_ context.Context, key string) ([]byte, time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[key]
	delete(m.m, key)
	return c.state, c.expires, ok, nil
}
