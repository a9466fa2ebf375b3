// Package store keeps the campaign in SQLite through the Bun ORM, with the
// pure-Go modernc.org/sqlite driver so that the bot builds without cgo, or,
// given a postgres:// URL, in PostgreSQL through Bun's pgdialect and pgx.
//
// On SQLite the database runs in WAL mode with synchronous=FULL: once
// Update returns, the change survives a crash or a power cut. Writes go
// through one writer goroutine that commits the work of every caller
// waiting at that moment in one transaction (group commit), each caller
// isolated by a savepoint, so the cost of the fsync is shared when many
// chats write at once.
//
// On PostgreSQL several replicas write at once: each Update is a
// transaction of its own, run again after a deadlock or a serialization
// failure; running totals move in PL/pgSQL triggers under row locks; the
// one-consumer roles are held through an advisory lock (Lease).
//
// The schema lives in embedded, versioned migrations applied at start, one
// set per engine under the same names (migrations/sqlite, migrations/postgres).
package store
