package dingtalk

// SetBeforeReply installs a hook that runs after a message's entry is
// committed and before its saved reply is sent: the crash tests stop the
// process there.
func SetBeforeReply(a *Adapter, hook func()) { a.beforeReply = hook }
