package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// A batch's statements on PostgreSQL go in fewer round trips: each round
// trip costs both sides more CPU (a send, a receive, two wake-ups) than the
// small statements of a lecture cost to run, and the batch's one writer
// waits for every one of them. A write whose outcome the update does not
// read (the savepoint, the audit row, the [撤销] button, the member note)
// waits in the pipeline and goes with the next statement of the
// transaction, in one message (pgx's pipelined batch, its statements
// prepared); the lecture path's own statements (the same-day check, the
// insert, the confirmation's figures, the saved reply) are sent with what
// waits. Any other statement first sends what waits, so the server runs
// everything in the order the update asked. A waiting write that fails
// fails the statement it went with (the transaction is aborted from there
// on, as it would have been), and Store.commit learns of it.
type pipeline struct {
	conn  *sql.Conn
	queue []piped
	err   error // the first failure of a waiting write
	// broken is set when a savepoint statement failed: the transaction
	// cannot go on (an update before swallowed an error, or the connection
	// is gone).
	broken error
	// ahead is the figures read with the last statement sent, until
	// another statement is sent.
	ahead *figuresAhead
}

// figuresAhead is a unit's leaf totals (leafTotals) read ahead.
type figuresAhead struct {
	sql   string
	unit  int64
	below int
	// belowMembers is the members in the units below (tree_units).
	belowMembers int
	row          figuresRow
	err          error
}

// takeFigures returns the leaf totals of unit read ahead, once.
func (q queries) takeFigures(unit int64) (*figuresAhead, bool) {
	if q.pipe == nil || q.pipe.ahead == nil || q.pipe.ahead.unit != unit {
		return nil, false
	}
	a := q.pipe.ahead
	q.pipe.ahead = nil
	return a, true
}

type piped struct {
	sql       string
	args      []any
	what      string // for the error: "audit", "savepoint"…
	savepoint bool   // SAVEPOINT or RELEASE: a failure breaks the batch
}

// later queues a write on the pipeline (PostgreSQL, inside a batch), or
// runs it now through its prepared statement.
func (q queries) later(ctx context.Context, st *sql.Stmt, what string, args ...any) error {
	if q.pipe == nil {
		if _, err := q.stmt(ctx, st).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		return nil
	}
	q.pipe.queue = append(q.pipe.queue, piped{sql: q.p.text[st], args: flags(args), what: what})
	return nil
}

// row runs a one-row query through its prepared statement; on the
// pipeline, in one round trip with the writes waiting there.
func (q queries) row(ctx context.Context, st *sql.Stmt, args []any, dest ...any) error {
	if q.pipe == nil {
		return q.stmt(ctx, st).QueryRowContext(ctx, args...).Scan(dest...)
	}
	return q.pipe.send(ctx, &piped{sql: q.p.text[st], args: flags(args)}, dest)
}

// exec runs a statement through its prepared statement; on the pipeline,
// in one round trip with the writes waiting there.
func (q queries) exec(ctx context.Context, st *sql.Stmt, args ...any) error {
	if q.pipe == nil {
		_, err := q.stmt(ctx, st).ExecContext(ctx, args...)
		return err
	}
	return q.pipe.send(ctx, &piped{sql: q.p.text[st], args: flags(args)}, nil)
}

// flush sends the waiting writes, if any.
func (q queries) flush(ctx context.Context) error {
	if q.pipe == nil {
		return nil
	}
	return q.pipe.send(ctx, nil, nil)
}

// send sends the waiting writes and last (nil: none) in one round trip,
// scanning last's one row into dest (nil dest: last returns none). It
// returns the first error: a waiting write's, else last's.
func (p *pipeline) send(ctx context.Context, last *piped, dest []any) error {
	return p.sendWith(ctx, last, dest, nil)
}

// sendWith is send with then a read whose answer the update may ask for
// next (the figures of a lecture's unit after its insert), in the same
// round trip; any other statement sent before it is asked ends it.
func (p *pipeline) sendWith(ctx context.Context, last *piped, dest []any, then *figuresAhead) error {
	p.ahead = nil
	if len(p.queue) == 0 && last == nil {
		return nil
	}
	queue := p.queue
	p.queue = p.queue[:0]
	return p.conn.Raw(func(dc any) error {
		conn := dc.(*stdlib.Conn).Conn()
		var b pgx.Batch
		for _, w := range queue {
			b.Queue(w.sql, w.args...)
		}
		if last != nil {
			b.Queue(last.sql, last.args...)
		}
		if then != nil {
			b.Queue(then.sql, then.unit)
		}
		br := conn.SendBatch(ctx, &b)
		var first error
		for _, w := range queue {
			if _, err := br.Exec(); err != nil && first == nil {
				first = fmt.Errorf("store: %s: %w", w.what, err)
				if w.savepoint {
					p.broken = first
				}
				if p.err == nil {
					p.err = first
				}
			}
		}
		if last != nil {
			var err error
			if dest == nil {
				_, err = br.Exec()
			} else {
				err = br.QueryRow().Scan(dest...)
			}
			if first == nil {
				first = err
			}
		}
		if then != nil {
			r := &then.row
			then.err = br.QueryRow().Scan(&then.below, &then.belowMembers, &r.Lectures, &r.Speakers, &r.Leaders, &r.Attendees, &r.Satisfied,
				&r.Surveyed, &r.Members, &r.CovSpeakers, &r.CovMembers, &r.UnsetN, &r.OverN, &r.Units)
			if first == nil && then.err == nil {
				p.ahead = then
			}
		}
		if err := br.Close(); err != nil && first == nil {
			first = err
		}
		return first
	})
}

// sendWrites sends the waiting statements when a write is among them
// (savepoint statements alone wait for the next statement or the commit).
func (p *pipeline) sendWrites(ctx context.Context) error {
	for _, w := range p.queue {
		if !w.savepoint {
			return p.send(ctx, nil, nil)
		}
	}
	return nil
}

// flushConn is the connection that Bun's raw queries of a pipelined
// transaction run on: the waiting writes go first.
type flushConn struct {
	bun.IConn
	pipe *pipeline
}

func (c flushConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	_ = c.pipe.send(ctx, nil, nil) // a failure aborts the transaction: the statement fails too
	return c.IConn.ExecContext(ctx, query, args...)
}

func (c flushConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	_ = c.pipe.send(ctx, nil, nil)
	return c.IConn.QueryContext(ctx, query, args...)
}

func (c flushConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = c.pipe.send(ctx, nil, nil)
	return c.IConn.QueryRowContext(ctx, query, args...)
}

// pgTx is a pipelined transaction's Bun handle: pgDB whose every statement
// sends the waiting writes first.
type pgTx struct {
	pgDB
	tx   bun.Tx
	pipe *pipeline
}

func (d pgTx) NewRaw(query string, args ...any) *bun.RawQuery {
	return d.pgDB.NewRaw(query, args...).Conn(flushConn{IConn: d.tx, pipe: d.pipe})
}

func (d pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	_ = d.pipe.send(ctx, nil, nil)
	return d.pgDB.ExecContext(ctx, query, args...)
}

func (d pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	_ = d.pipe.send(ctx, nil, nil)
	return d.pgDB.QueryContext(ctx, query, args...)
}

func (d pgTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = d.pipe.send(ctx, nil, nil)
	return d.pgDB.QueryRowContext(ctx, query, args...)
}

// savepoints queues the batch's savepoint statements on the pipeline: a
// caller's savepoint is released and the next one taken with the next
// caller's first statement; the rollback to one goes at once, dropping the
// writes of the failed update that still wait.
func (p *pipeline) savepoints(ctx context.Context) (savepoint, release, rollbackTo func() error) {
	open := false
	savepoint = func() error {
		if open {
			p.queue = append(p.queue, piped{sql: "RELEASE u", what: "release savepoint", savepoint: true})
		}
		open = true
		p.queue = append(p.queue, piped{sql: "SAVEPOINT u", what: "savepoint", savepoint: true})
		return nil
	}
	rollbackTo = func() error {
		// The failed update's writes that wait would be undone: they are
		// not sent (one of them failing would keep the rollback from running).
		keep := p.queue[:0]
		for _, w := range p.queue {
			if w.savepoint {
				keep = append(keep, w)
			}
		}
		p.queue = keep
		p.err = nil
		err := p.send(ctx, &piped{sql: "ROLLBACK TO u", what: "rollback to savepoint"}, nil)
		if err == nil && p.broken != nil {
			err = p.broken
		}
		return err
	}
	return savepoint, func() error { return nil }, rollbackTo
}
