// Package bot runs the chat adapters: each one turns its platform's messages
// into dangke.Requests for a dangke.Handler and renders the replies back.
// Adapters never see the store; the commands never see a platform payload.
package bot

import (
	"context"
	"errors"
	"sync"
	"unicode/utf8"

	"dangke"
)

// Adapter is one chat platform.
type Adapter interface {
	dangke.Notifier
	// Name is the platform's name in ChatRef.Platform: console, dingtalk ...
	Name() string
	// Run receives messages and answers them through h until ctx ends or the
	// adapter can no longer go on. A clean stop returns nil.
	Run(ctx context.Context, h dangke.Handler) error
}

// Run runs the adapters side by side until ctx ends or one of them stops;
// then it stops the others and returns the first error.
func Run(ctx context.Context, h dangke.Handler, adapters ...Adapter) error {
	if len(adapters) == 0 {
		return errors.New("bot: no adapter to run")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(adapters))
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel() // one adapter ending stops the rest
			errs[i] = a.Run(ctx, h)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Split cuts text into pieces of at most limit bytes, breaking at line ends
// where it can and never inside a UTF-8 character, so that each piece is a
// valid message for a platform with a size limit in bytes.
func Split(text string, limit int) []string { return SplitBy(text, limit, utf8.RuneLen) }

// UTF16Len is the size of a rune in UTF-16 code units, the measure of
// platforms that count "characters" the way JavaScript does.
func UTF16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// SplitBy cuts text into pieces whose size, summing size(r) over their
// runes, is at most limit. It breaks after the last line end that fits and
// only cuts inside a line that is longer than limit on its own. Joining the
// pieces with "\n" where a line end was dropped gives the text back.
func SplitBy(text string, limit int, size func(rune) int) []string {
	if limit < 2 {
		limit = 2
	}
	var out []string
	for {
		used, cut, lastNL := 0, len(text), -1
		for i, r := range text {
			if r == '\n' {
				lastNL = i
			}
			if used+size(r) > limit {
				cut = i
				break
			}
			used += size(r)
		}
		if cut == len(text) {
			if text != "" || len(out) == 0 {
				out = append(out, text)
			}
			return out
		}
		if lastNL > 0 {
			out = append(out, text[:lastNL])
			text = text[lastNL+1:]
			continue
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
}

// CommandInfo describes a command for a platform's command menu: its English
// name, which platforms accept as a command, and a Chinese description.
type CommandInfo struct {
	Name        string
	Description string
	Admin       bool // only admins may run it: shown in 1:1 chats, not in groups
}
