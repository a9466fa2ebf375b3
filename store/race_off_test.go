//go:build !race

package store_test

// raceBuild: see race_on_test.go.
const raceBuild = false
