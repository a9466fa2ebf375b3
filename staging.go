package dangke

import "context"

// ImportWriter stages a large import in many short transactions and makes
// it visible in one, inside Store.Update.
type ImportWriter interface {
	// StageInstructors keeps checked lecturers of import batch under seq,
	// seq+1, … (in the file's order), read by nothing until they are
	// published.
	StageInstructors(ctx context.Context, batch int64, seq int, list []*Instructor) error
	// PublishInstructors puts every lecturer staged under batch into its
	// pool, the one staged under seq getting the id base+seq. A lecturer
	// whose phone number was registered in the pool since it was staged
	// (from a chat) is left out and returned.
	PublishInstructors(ctx context.Context, batch int64) (base int64, added int, clashes []Instructor, err error)
	// DiscardStaged deletes up to limit staged rows of batch and of batches
	// staged over a day before it (an import that stopped half-way), and
	// returns how many it deleted.
	DiscardStaged(ctx context.Context, batch int64, limit int) (int, error)
}
