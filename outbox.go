package dangke

import (
	"context"
	"time"
)

// The states of a saved reply in the outbox.
const (
	OutboxPending = "pending" // saved with its entry; the platform has not accepted it yet
	OutboxSent    = "sent"    // the platform accepted it
	OutboxFailed  = "failed"  // given up after too many attempts
)

// LateMark starts a reply that is sent again after a crash or a failed
// attempt, so that the chat sees it is late.
const LateMark = "（补发）"

// The kinds of message kept in the outbox: a reply answers a platform
// message (its key's ID is the message's); the others are proactive, sent
// to a chat unprompted (their key's ID names them, as digest:2019-W27).
const (
	SendReply    = "reply"
	SendDigest   = "digest"
	SendReminder = "reminder"
	SendFile     = "file"
)

// Outgoing is a reply kept in the outbox: the reply saved for a handled
// platform message, with what is needed to send it again later.
type Outgoing struct {
	Key       MessageKey // the platform, the chat and the message it answers
	Kind      string     // SendReply (also ""), SendDigest, SendReminder or SendFile
	Group     bool       // a group chat (proactive messages: from the chat's binding)
	Text      string
	Route     string    // the adapter's opaque reply route (Request.Route)
	Webhook   string    // the chat's group robot key (WeCom), filled from the store; never shown
	At        time.Time // when the message was handled
	State     string    // OutboxPending, OutboxSent or OutboxFailed
	Attempts  int       // failed sends so far
	TriedAt   time.Time // the last failed send; zero if none
	LastError string
	// Files and Mentions are what a proactive message carries beyond its
	// text (a digest's chart, the people it @-mentions): kept in its row,
	// so that a 补发 goes out whole.
	Files    []File
	Mentions []string
}

// Chat is the chat the message goes to.
func (o Outgoing) Chat() ChatRef {
	return ChatRef{Platform: o.Key.Platform, ID: o.Key.Chat, Group: o.Group, Webhook: o.Webhook}
}

// ClaimLease is how long a claim on a pending message's send holds: the
// replica that claimed it sends it within this time or renews the claim;
// after it, another replica may take the message over (its claimant died).
const ClaimLease = 2 * time.Minute

// Outbox keeps the replies saved with the entries they confirm until their
// platform has accepted them. The store implements it; adapters report each
// delivery through it and send again what is still pending.
type Outbox interface {
	// MarkSent records that the platform accepted a reply. It reports
	// whether the reply had been marked sent before: a repeat.
	MarkSent(ctx context.Context, key MessageKey, at time.Time) (repeat bool, err error)
	// MarkFailed records a failed send. Once a reply has failed maxAttempts
	// times it is marked failed and not tried again; MarkFailed reports
	// whether this call gave it up.
	MarkFailed(ctx context.Context, key MessageKey, reason string, at time.Time, maxAttempts int) (gaveUp bool, err error)
	// Pending returns up to limit pending replies of a platform handled
	// between since and before, oldest first.
	Pending(ctx context.Context, platform string, since, before time.Time, limit int) ([]Outgoing, error)
	// ClaimSend claims the send of a pending message for this store
	// handle (this replica) until now+lease, atomically in the database:
	// true when the message is pending and unclaimed, its claim has run
	// out, or this handle holds it already (then it is renewed); false
	// when it is sent, failed, or another replica's claim still holds. A
	// reply is saved already claimed by the replica that handled its
	// message. force takes the claim whoever holds it: at the start of
	// the only process on a database, whose predecessor died.
	ClaimSend(ctx context.Context, key MessageKey, now time.Time, lease time.Duration, force bool) (bool, error)
}
