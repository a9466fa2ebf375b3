//go:build !race

package dingtalk_test

// raceBuild is true in a -race build; see race_test.go.
const raceBuild = false
