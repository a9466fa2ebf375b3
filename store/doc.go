// Package store keeps the campaign in SQLite through the Bun ORM, with the
// pure-Go modernc.org/sqlite driver so that the bot builds without cgo.
//
// The database runs in WAL mode with synchronous=FULL: once Update returns,
// the change survives a crash or a power cut. Writes go through one writer
// goroutine that commits the work of every caller waiting at that moment in
// one transaction (group commit), each caller isolated by a savepoint, so the
// cost of the fsync is shared when many chats write at once.
//
// The schema lives in embedded, versioned migrations applied at start.
package store
