// Package testbot gives the platform adapters' end-to-end tests the real
// router on a fresh database: a branch, a group chat bound to it, and an
// admin. It is used by tests only.
package testbot

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/store"
)

// Now is the tests' clock: Wednesday 10 July 2019, 10:00 in China.
var Now = time.Date(2019, 7, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Router opens a store in a temporary folder and returns the router with
// 温县/城关镇/第一党支部 (45 members) bound to the group chat platform:chat,
// and platform:admin an admin.
func Router(t testing.TB, platform, chat, admin string) (*commands.Router, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), platform+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return setupRouter(t, st, platform, chat, admin, nil), st
}

// setupRouter returns the router on st with the branch bound and the admin
// named; on a database set up before, the setup changes nothing.
func setupRouter(t testing.TB, st *store.Store, platform, chat, admin string, m dangke.Media) *commands.Router {
	t.Helper()
	r := commands.New(st, commands.Config{Admins: []string{platform + ":" + admin}, Location: Now.Location(),
		Now: func() time.Time { return Now }, Media: m})
	for _, text := range []string{"/单位 新增 温县/城关镇/第一党支部 45", "/单位 绑定 温县/城关镇/第一党支部"} {
		if _, err := r.Handle(context.Background(), dangke.Request{Chat: dangke.ChatRef{Platform: platform, ID: chat, Group: true},
			From: dangke.Person{Platform: platform, ID: admin}, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// Lectures counts the lectures stored.
func Lectures(t testing.TB, st *store.Store) int {
	t.Helper()
	f, err := st.Figures(context.Background(), 0, dangke.Period{})
	if err != nil {
		t.Fatal(err)
	}
	return f.Lectures
}
