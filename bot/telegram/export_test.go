package telegram

// SetBeforeReply installs a hook that runs after a message's entry is
// committed and before its saved reply is sent: the crash test stops the
// process there.
func SetBeforeReply(a *Adapter, hook func()) { a.beforeReply = hook }
