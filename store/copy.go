package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"dangke"
)

// CopyReport is what Copy moved and how the two databases compare.
type CopyReport struct {
	Tables []TableCount
	Units  []UnitComparison // every reporting unit's campaign figures
}

// TableCount is one table's rows on both sides.
type TableCount struct {
	Table    string
	From, To int64
}

// UnitComparison is a reporting unit's figures on both sides.
type UnitComparison struct {
	Path     string
	From, To dangke.Figures
}

// OK reports whether every table and every unit's figures agree.
func (r CopyReport) OK() bool {
	for _, t := range r.Tables {
		if t.From != t.To {
			return false
		}
	}
	for _, u := range r.Units {
		if !reflect.DeepEqual(u.From, u.To) {
			return false
		}
	}
	return true
}

// Print writes the comparison, one line a table and a unit.
func (r CopyReport) Print(w io.Writer) {
	fmt.Fprintf(w, "%-20s %12s %12s\n", "表", "SQLite", "PostgreSQL")
	for _, t := range r.Tables {
		mark := "一致"
		if t.From != t.To {
			mark = "不一致"
		}
		fmt.Fprintf(w, "%-20s %12d %12d  %s\n", t.Table, t.From, t.To, mark)
	}
	fmt.Fprintln(w, "各县市区（报送单位）的累计数（党课次数/讲课人/听课人次/覆盖党员）：")
	for _, u := range r.Units {
		mark := "一致"
		if !reflect.DeepEqual(u.From, u.To) {
			mark = "不一致"
		}
		f, t := u.From, u.To
		fmt.Fprintf(w, "%s  SQLite %d/%d/%d/%d  PostgreSQL %d/%d/%d/%d  %s\n", u.Path,
			f.Lectures, f.Speakers, f.Attendees, f.CoveredMembers, t.Lectures, t.Speakers, t.Attendees, t.CoveredMembers, mark)
	}
}

// ErrNotEmpty is returned by Copy when the target already holds data.
var ErrNotEmpty = errors.New("目标数据库不是空的")

// Copy copies every table of a SQLite store into an empty PostgreSQL store
// (both opened, so migrated to the same version), then compares the row
// counts and every reporting unit's figures. Rows are copied as they are,
// kept totals included, with the target's own triggers off while it runs
// (ALTER TABLE … DISABLE TRIGGER USER: the owner may, no superuser
// needed; foreign keys stay checked), in one transaction: a failed copy
// leaves the target empty.
func Copy(ctx context.Context, from, to *Store) (CopyReport, error) {
	var rep CopyReport
	if from.pg || !to.pg {
		return rep, errors.New("store: copy: 只能从 SQLite 复制到 PostgreSQL")
	}
	tables, err := copyTables(ctx, from)
	if err != nil {
		return rep, err
	}
	for _, t := range tables {
		var n int64
		if err := to.db.NewRaw("SELECT count(*) FROM "+t).Scan(ctx, &n); err != nil {
			return rep, fmt.Errorf("store: copy: PostgreSQL 里没有表 %s（两边的迁移版本不同？）：%w", t, err)
		}
		if n > 0 {
			return rep, fmt.Errorf("%w：表 %s 已有 %d 行。迁移只写入空数据库；请新建一个空库（CREATE DATABASE），再运行 dangke migrate-db", ErrNotEmpty, t, n)
		}
	}
	conn, err := to.db.DB.Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: copy: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		for _, t := range tables {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+t+" DISABLE TRIGGER USER"); err != nil {
				return err
			}
		}
		for _, t := range tables {
			if err := copyTable(ctx, from, tx, t); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+t+" ENABLE TRIGGER USER"); err != nil {
				return err
			}
		}
		// Identity columns go on after the copied ids.
		rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND is_identity = 'YES'`)
		if err != nil {
			return err
		}
		var ids [][2]string
		for rows.Next() {
			var t, c string
			if err := rows.Scan(&t, &c); err != nil {
				return err
			}
			ids = append(ids, [2]string{t, c})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%[1]s', '%[2]s'), coalesce(max(%[2]s), 0) + 1, false) FROM %[1]s", id[0], id[1])); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return rep, fmt.Errorf("store: copy: %w", err)
	}
	return compare(ctx, from, to, tables)
}

// copyTables lists the SQLite tables to copy in the order they were
// created, which is an order their foreign keys allow.
func copyTables(ctx context.Context, from *Store) ([]string, error) {
	var tables []string
	err := from.db.NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'bun_%' ORDER BY rowid`).Scan(ctx, &tables)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	return tables, nil
}

// copyTable streams one table with COPY, in the target's column order
// (a PostgreSQL rowid column takes SQLite's implicit rowid). Units go
// parents first.
func copyTable(ctx context.Context, from *Store, tx pgx.Tx, table string) error {
	rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return err
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	order := ""
	if table == "units" {
		order = " ORDER BY depth, id"
	}
	src, err := from.db.DB.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table+order)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = tx.CopyFrom(ctx, pgx.Identifier{table}, cols, &sqlRows{rows: src, n: len(cols)})
	return err
}

// sqlRows feeds database/sql rows to COPY.
type sqlRows struct {
	rows *sql.Rows
	n    int
	vals []any
	err  error
}

func (s *sqlRows) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	vals := make([]any, s.n)
	ptrs := make([]any, s.n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if s.err = s.rows.Scan(ptrs...); s.err != nil {
		return false
	}
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			vals[i] = string(b)
		}
	}
	s.vals = vals
	return true
}

func (s *sqlRows) Values() ([]any, error) { return s.vals, nil }

func (s *sqlRows) Err() error { return s.err }

// compare counts every table's rows and reads every reporting unit's
// figures on both sides.
func compare(ctx context.Context, from, to *Store, tables []string) (CopyReport, error) {
	var rep CopyReport
	for _, t := range tables {
		c := TableCount{Table: t}
		if err := from.db.NewRaw("SELECT count(*) FROM "+t).Scan(ctx, &c.From); err != nil {
			return rep, fmt.Errorf("store: compare: %w", err)
		}
		if err := to.db.NewRaw("SELECT count(*) FROM "+t).Scan(ctx, &c.To); err != nil {
			return rep, fmt.Errorf("store: compare: %w", err)
		}
		rep.Tables = append(rep.Tables, c)
	}
	a, err := from.TopFigures(ctx, dangke.Period{})
	if err != nil {
		return rep, err
	}
	b, err := to.TopFigures(ctx, dangke.Period{})
	if err != nil {
		return rep, err
	}
	byPath := map[string]dangke.Figures{}
	for _, u := range b {
		byPath[u.Unit.Path] = u.Figures
	}
	for _, u := range a {
		rep.Units = append(rep.Units, UnitComparison{Path: u.Unit.Path, From: u.Figures, To: byPath[u.Unit.Path]})
	}
	if len(a) != len(b) {
		rep.Units = append(rep.Units, UnitComparison{Path: fmt.Sprintf("（报送单位数：SQLite %d，PostgreSQL %d）", len(a), len(b))})
		rep.Units[len(rep.Units)-1].To.Lectures = -1
	}
	return rep, nil
}
