package commands_test

import (
	"testing"

	"dangke/internal/dbtest"
)

// template is the migrated database the tests' databases are copied from.
var template dbtest.Template

// freshDB returns the path of a new, migrated database for one test.
func freshDB(t testing.TB, name string) string {
	return template.Fresh(t, name)
}
