package dangke

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Button is one tap-able answer under a reply: the platform shows Label and
// hands Token back when it is pressed. The token is opaque and names a
// stored pending action (see PendingAction); a platform without buttons
// shows the labels as numbered choices.
type Button struct {
	Label string
	Token string
}

// PendingAction is what a button stands for, kept in the store under the
// SHA-256 of its token: who may press it, in which chat, until when, and
// the text it answers with, fed through the router as if typed.
type PendingAction struct {
	Group   string // the buttons of one reply share a group: pressing one uses them all
	Chat    string // platform:chat the button was shown in
	Person  string // platform:id of the only person who may press it
	Label   string
	Answer  string // the text the press stands for: 是, 社区, /撤销
	Ref     string // the conversation it answers ("" for a command such as /撤销)
	Expires time.Time
	Created time.Time
}

// Buttons stores the pending actions of buttons.
type Buttons interface {
	// AddActions stores pending actions under the hashes of their tokens.
	AddActions(ctx context.Context, hashes []string, actions []PendingAction) error
	// UseAction takes the pending action of a token hash for person in chat
	// at now: ENOTFOUND when there is none (or not in this chat),
	// EFORBIDDEN when it is someone else's (and leaves it unused),
	// ECONFLICT when it (or another button of its group) was used, and
	// EINVALID when it expired. A successful use marks its whole group used.
	UseAction(ctx context.Context, hash, person, chat string, now time.Time) (PendingAction, error)
}

// NewToken returns a fresh random 128-bit token for a button, URL-safe and
// 22 characters long (Telegram allows 64 bytes of callback data).
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is the stored form of a token: its SHA-256 in hex, so that a
// copy of the database cannot press a button.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
