package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"

	"dangke"
)

// A figure is read in several statements: the subtree totals, the units
// left out of coverage, their buckets' totals, the people linked across
// units. Outside a transaction each statement sees what was committed when
// it ran, so a lecture committed between two of them mixed two moments in
// one answer: a unit read as covered while its lecturers were taken from
// the over bucket it had just joined gave a reporting unit 0 covered
// lecturers of 2 members, or 2 of 0 (found by a review: about one read in
// twenty while lectures flipped a unit over and back). The store's figure
// reads therefore run in one read transaction: SQLite's deferred BEGIN (a
// WAL snapshot, which blocks no writer), PostgreSQL's REPEATABLE READ.

// Snapshot runs fn with a Reader that sees one committed state of the
// database for all its reads, such as a form's rows and the figures of
// its footer.
func (s *Store) Snapshot(ctx context.Context, fn func(dangke.Reader) error) error {
	return s.snapshot(ctx, func(q queries) error { return fn(&txStore{queries: q}) })
}

// snapshot runs fn with queries bound to one read transaction.
func (s *Store) snapshot(ctx context.Context, fn func(q queries) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var db bun.IDB = tx
	if s.pg {
		db = pgDB{tx}
	}
	return fn(queries{db: db, tx: tx.Tx, p: s.p, pg: s.pg})
}

// Figures returns a unit's figures, read in one snapshot; see dangke.Reader.
func (s *Store) Figures(ctx context.Context, unit int64, p dangke.Period) (dangke.Figures, error) {
	var f dangke.Figures
	err := s.snapshot(ctx, func(q queries) (err error) {
		f, err = q.Figures(ctx, unit, p)
		return err
	})
	return f, err
}

// TopFigures returns every reporting unit's figures, read in one snapshot.
func (s *Store) TopFigures(ctx context.Context, p dangke.Period) ([]dangke.UnitFigures, error) {
	var tops []dangke.UnitFigures
	err := s.snapshot(ctx, func(q queries) (err error) {
		tops, err = q.TopFigures(ctx, p)
		return err
	})
	return tops, err
}

// CityFigures returns the city's and every reporting unit's figures, read
// in one snapshot.
func (s *Store) CityFigures(ctx context.Context, p dangke.Period) (dangke.Figures, []dangke.UnitFigures, error) {
	var city dangke.Figures
	var tops []dangke.UnitFigures
	err := s.snapshot(ctx, func(q queries) (err error) {
		city, tops, err = q.CityFigures(ctx, p)
		return err
	})
	return city, tops, err
}

// Shows returns a unit's lectures by form and venue, read in one snapshot.
func (s *Store) Shows(ctx context.Context, unit int64, p dangke.Period) (dangke.Shows, error) {
	var sh dangke.Shows
	err := s.snapshot(ctx, func(q queries) (err error) {
		sh, err = q.Shows(ctx, unit, p)
		return err
	})
	return sh, err
}
