//go:build !race

package report_test

// raceBuild: see race_on_test.go.
const raceBuild = false
