package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// PostgreSQL goes through pgx (github.com/jackc/pgx/v5) behind
// database/sql: the most used and actively maintained Go driver for it,
// where Bun's own pgdriver is kept only in maintenance. The store's SQL is
// written once for both engines; the few SQLite planner hints it carries
// (INDEXED BY, CROSS JOIN as a join order) are taken out for PostgreSQL by
// pgSQL, and SQLite's date(day, 'weekday 0', '-6 days') is a function of
// the PostgreSQL schema (migration 17).

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// PasswordEnv names the environment variable that holds the PostgreSQL
// password when the URL carries none.
const PasswordEnv = "DANGKE_DB_PASSWORD"

// IsPostgres reports whether a db setting is a PostgreSQL URL rather than
// a SQLite file path.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Redact returns a db setting fit for a log line or an error: a
// PostgreSQL URL without its password, a path as it is.
func Redact(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// pgConfig parses a PostgreSQL URL; the password comes from the URL or,
// when it has none, from DANGKE_DB_PASSWORD.
func pgConfig(dsn, password string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL: say only what was wrong.
		return nil, fmt.Errorf("store: 数据库地址 %s 无法解析，应形如 postgres://dangke@db.example:5432/dangke?sslmode=require", Redact(dsn))
	}
	if cfg.Password == "" {
		cfg.Password = password
	}
	if cfg.Password == "" {
		cfg.Password = os.Getenv(PasswordEnv)
	}
	// A session left idle inside a transaction (its replica stopped or cut
	// off mid-batch) is ended by the server, so that the write turn it holds
	// passes to the other replicas.
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, set := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = "60s"
	}
	return cfg, nil
}

// openPostgres connects to a PostgreSQL database, migrates it under an
// advisory lock and prepares the hot statements.
func openPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgConfig(dsn, opt.Password)
	if err != nil {
		return nil, err
	}
	name := Redact(dsn)
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(32)
	sqldb.SetMaxIdleConns(32)
	db := bun.NewDB(sqldb, pgdialect.New())
	fail := func(err error) (*Store, error) {
		_ = db.Close()
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("store: 连接 PostgreSQL %s 失败：%w", name, err))
	}
	if opt.MustExist {
		var n int
		if err := db.NewRaw("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'bun_migrations'").Scan(ctx, &n); err != nil {
			return fail(fmt.Errorf("store: %s: %w", name, err))
		}
		if n == 0 {
			return fail(fmt.Errorf("%w：%s 里还没有 dangke 的表。这个命令只读取已有的数据库；新部署先运行一次 dangke run（或 console）建立它", ErrNoDatabase, name))
		}
	}
	created, err := migratePostgres(ctx, db, name)
	if err != nil {
		return fail(err)
	}
	p, err := prepare(ctx, sqldb, true)
	if err != nil {
		return fail(fmt.Errorf("store: %s: %w", name, err))
	}
	var schema string
	if err := db.NewRaw("SELECT current_schema()").Scan(ctx, &schema); err != nil {
		return fail(fmt.Errorf("store: %s: %w", name, err))
	}
	s := &Store{
		queries:  queries{db: pgDB{db}, p: p, pg: true},
		db:       db,
		pg:       true,
		pgcfg:    cfg,
		schema:   schema,
		reqs:     make(chan *update, maxBatch),
		stopped:  make(chan struct{}),
		created:  created,
		turnWait: writeTurnWait,
	}
	go s.writer()
	return s, nil
}

// migrateLock is the advisory lock key under which replicas migrate: the
// first one to start applies the migrations, the others wait and find
// nothing left to do.
const migrateLock = 0x64616e676b65 // "dangke"

// writeLock is the advisory lock a replica's batch of updates holds until
// it commits. Every lecture changes the same rows (the day totals of the
// province and its city): batches of several replicas taking them in
// different orders would deadlock, one of them rolled back a second later.
// Taking turns costs little, since those rows let one writer through at a
// time anyway, and a batch carries every update its replica has waiting.
const writeLock = migrateLock + 1

// writeTurn waits for this transaction's turn to write.
// It waits at most writeTurnWait (then the batch fails, its callers are
// told so and their platforms deliver again): a replica stopped while it
// holds the turn must not stop every replica's writes for good.
func writeTurn(ctx context.Context, tx bun.Tx, wait time.Duration) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = '%dms'; SELECT pg_advisory_xact_lock(%d)",
		wait.Milliseconds(), int64(writeLock))); err != nil {
		return fmt.Errorf("store: wait for the write turn: %w", err)
	}
	return nil
}

// writeTurnWait bounds the wait for the write turn, and every lock wait of
// a batch after it (Store.turnWait, which tests shorten).
const writeTurnWait = 30 * time.Second

// migratePostgres applies the PostgreSQL migrations holding the
// migration lock on a connection of its own. It reports whether the
// database was empty before.
func migratePostgres(ctx context.Context, db *bun.DB, name string) (bool, error) {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return false, fmt.Errorf("store: migrate %s: lock: %w", name, err)
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrateLock) }()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'units'").Scan(ctx, &n); err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if err := migrateUp(ctx, db, postgresMigrations, "migrations/postgres", name); err != nil {
		return false, err
	}
	return n == 0, nil
}

// pgDB is a Bun handle whose raw SQL is made fit for PostgreSQL by pgSQL.
type pgDB struct{ bun.IDB }

func (d pgDB) NewRaw(query string, args ...any) *bun.RawQuery {
	return d.IDB.NewRaw(pgSQL(query), flags(args)...)
}

func (d pgDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.IDB.ExecContext(ctx, pgSQL(query), flags(args)...)
}

func (d pgDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.IDB.QueryContext(ctx, pgSQL(query), flags(args)...)
}

func (d pgDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.IDB.QueryRowContext(ctx, pgSQL(query), flags(args)...)
}

// flags passes Go booleans as 0 and 1: the schema keeps flags in INTEGER
// columns on both engines (SQLite's driver does this by itself).
func flags(args []any) []any {
	copied := false
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if !copied { // the caller's slice stays as it was
				args, copied = append([]any(nil), args...), true
			}
			args[i] = b2i(b)
		}
	}
	return args
}

var indexedBy = regexp.MustCompile(`\s+INDEXED BY \w+`)

// pgSQL drops SQLite's planner hints: INDEXED BY, and CROSS JOIN … ON
// (SQLite's way to fix the join order), which PostgreSQL writes JOIN.
func pgSQL(query string) string {
	if strings.Contains(query, "INDEXED BY") {
		query = indexedBy.ReplaceAllString(query, "")
	}
	return strings.ReplaceAll(query, "CROSS JOIN", "JOIN")
}

// rebind turns ? and ?N placeholders into PostgreSQL's $N, for the
// statements prepared through database/sql (Bun formats its own).
func rebind(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '?' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		if j > i+1 {
			b.WriteString("$" + query[i+1:j])
			i = j - 1
			continue
		}
		n++
		b.WriteString("$" + strconv.Itoa(n))
	}
	return b.String()
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports whether a transaction failed only because another
// one ran at the same time (a deadlock or a serialization failure), so
// that running it again may succeed.
func retryable(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01":
		return true
	}
	return false
}

// guard runs a statement that may break a constraint (a duplicate phone
// number, unit path or message) so that the caller can go on in the same
// transaction after the error, as SQLite lets it: PostgreSQL aborts the
// whole transaction at an error, so there the statement runs inside a
// savepoint that the error rolls back.
func (q queries) guard(ctx context.Context, fn func() error) error {
	if !q.pg || q.tx == nil {
		return fn()
	}
	if err := q.flush(ctx); err != nil {
		return err
	}
	if _, err := q.tx.ExecContext(ctx, "SAVEPOINT g"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	err := fn()
	end := "RELEASE SAVEPOINT g"
	if err != nil {
		end = "ROLLBACK TO SAVEPOINT g"
	}
	if _, rerr := q.tx.ExecContext(ctx, end); rerr != nil && err == nil {
		return fmt.Errorf("store: savepoint: %w", rerr)
	}
	return err
}

// Postgres reports whether the store is on PostgreSQL (several replicas
// may share it) rather than a SQLite file (one process).
func (s *Store) Postgres() bool { return s.pg }
