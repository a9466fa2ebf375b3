package dingtalk

// SetBeforeReply installs a hook that runs after a message's entry is
// committed and before its saved reply is sent: the crash tests stop the
// process there.
func SetBeforeReply(a *Adapter, hook func()) { a.beforeReply = hook }

// Outbox returns the adapter's outbox, for its counters.
func (a *Adapter) Outbox() interface{ Repeats() int64 } { return a.out }
