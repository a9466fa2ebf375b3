// Package web serves what people look at in a browser: the operator's
// admin endpoints (Admin: /healthz, /metrics, /debug/pprof) and the
// read-only dashboard behind signed links (Dashboard). It reads figures
// through the root's interfaces only, and every server it starts has the
// limits of bot.NewServer.
package web
