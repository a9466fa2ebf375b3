//go:build race

package dingtalk_test

// raceBuild is true in a -race build, whose SQLite is several times slower:
// TestChaos then sends fewer lectures.
const raceBuild = true
