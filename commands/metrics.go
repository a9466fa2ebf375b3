package commands

import (
	"strings"
	"unicode"
)

// CommandLabel names the command a message starts with, for metrics: the
// command's first English name ("stats", "unit"), "unknown" for a /word
// that is no command, "text" for a message that is none (an answer to a
// question). The labels are few whatever people type.
func (r *Router) CommandLabel(text string) string {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "@") { // @党课助手 /党课 …
		if i := strings.IndexFunc(t, unicode.IsSpace); i > 0 {
			t = strings.TrimSpace(t[i:])
		}
	}
	rest, ok := strings.CutPrefix(t, "/")
	if !ok {
		if rest, ok = strings.CutPrefix(t, "／"); !ok {
			return "text"
		}
	}
	word := rest
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		word = word[:i]
	}
	word, _, _ = strings.Cut(word, "@")
	cmds := r.lookup(word)
	if len(cmds) == 0 {
		if p := r.prefixName(word); p != "" {
			cmds = r.lookup(p)
		}
	}
	if len(cmds) == 0 {
		return "unknown"
	}
	c := cmds[0]
	if len(c.English) > 0 {
		name, _, _ := strings.Cut(c.English[0], " ")
		return name
	}
	return c.Names[0]
}
