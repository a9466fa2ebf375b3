package dangke

import (
	"context"
	"time"
)

// Linker gives out and revokes the dashboard's signed links (/看板): a
// link shows one unit's subtree (nil: the city) and carries its expiry and
// the chat it was given to.
type Linker interface {
	// Link returns the address of unit's dashboard for a chat, and when it expires.
	Link(ctx context.Context, unit *Unit, chat ChatRef, now time.Time) (url string, expires time.Time, err error)
	// Revoke voids every link the chat was given up to now.
	Revoke(ctx context.Context, chat ChatRef, by string, now time.Time) error
}
