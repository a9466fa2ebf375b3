package dangke

import "context"

// ImportWriter stages a large import in many short transactions and makes
// it visible in one, inside Store.Update.
type ImportWriter interface {
	// StageInstructor keeps a checked lecturer of import batch under seq
	// (1, 2, … in the file's order), read by nothing until it is published,
	// with the detail of its audit entry.
	StageInstructor(ctx context.Context, batch int64, seq int, i *Instructor, detail string) error
	// PublishInstructors puts every lecturer staged under batch into its
	// pool and writes an audit entry for each (e gives all but EntityID and
	// Detail). A lecturer whose phone number was registered in the pool
	// since it was staged (from a chat) is left out and returned.
	PublishInstructors(ctx context.Context, batch int64, e AuditEntry) (added int, clashes []Instructor, err error)
	// DiscardStaged deletes up to limit staged rows of batch and of batches
	// staged over a day before it (an import that stopped half-way), and
	// returns how many it deleted.
	DiscardStaged(ctx context.Context, batch int64, limit int) (int, error)
}
