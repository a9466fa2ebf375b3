package dangke

import "context"

// ImportWriter writes a large import in many short transactions and makes
// it visible in one short one, inside Store.Update.
type ImportWriter interface {
	// StageInstructors writes checked lecturers of import batch, read by
	// nothing until they are published. Each gets its ID, or 0 when its
	// phone number is taken in its pool (registered from a chat since the
	// import's check, or brought by another import under way).
	StageInstructors(ctx context.Context, batch int64, list []*Instructor) error
	// PublishInstructors makes every lecturer staged under batch part of
	// its pool at once.
	PublishInstructors(ctx context.Context, batch int64) error
	// DiscardStaged deletes up to limit lecturers staged under batch and,
	// once it has none, of imports pending over a day (stopped half-way),
	// and returns how many it deleted.
	DiscardStaged(ctx context.Context, batch int64, limit int) (int, error)
}
