//go:build race

package report_test

// raceBuild: the race detector slows the embedded SQLite several times, so
// wall-clock bounds of a test say nothing about the product under it.
const raceBuild = true
