package commands_test

import "dangke/internal/dbtest"

// template is the migrated database the tests' databases are copied from
// (template.Fresh): opening a new file would run every migration.
var template dbtest.Template
