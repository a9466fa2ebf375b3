package dangke

import (
	"context"
	"time"
)

// Conversations keeps the commands that wait for a missing field or for an
// answer to a question, one per person per chat, where every replica of
// the bot finds them: the platform may deliver the answer to another
// replica than the one that asked. A Store that implements it is used by
// the router; otherwise the router keeps them in memory (one process).
type Conversations interface {
	// SaveConversation keeps (or replaces) the state under key until expires.
	SaveConversation(ctx context.Context, key string, state []byte, expires time.Time) error
	// PeekConversation returns the state under key, if any, leaving it.
	PeekConversation(ctx context.Context, key string) (state []byte, expires time.Time, ok bool, err error)
	// TakeConversation removes and returns the state under key, if any:
	// of two replicas taking the same key at once, one gets it.
	TakeConversation(ctx context.Context, key string) (state []byte, expires time.Time, ok bool, err error)
	// DropConversation removes the state under key if it is still state,
	// and reports whether it did.
	DropConversation(ctx context.Context, key string, state []byte) (bool, error)
}

// ConversationTx is implemented by a Tx that can end a waiting command in
// the transaction of the change it makes: the conversation is gone exactly
// when the change is committed. It reports false when the conversation is
// no longer state (another replica completed it meanwhile).
type ConversationTx interface {
	DropConversation(ctx context.Context, key string, state []byte) (bool, error)
}
