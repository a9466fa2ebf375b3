//go:build race

package store_test

// raceBuild: the race detector slows the embedded SQLite several times; the
// longest random tests take fewer seeds under it (the package must finish
// within go test's ten minutes over both engines).
const raceBuild = true
