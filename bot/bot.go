// Package bot runs the chat adapters: each one turns its platform's messages
// into dangke.Requests for a dangke.Handler and renders the replies back.
// Adapters never see the store; the commands never see a platform payload.
package bot

import (
	"context"
	"errors"
	"strings"
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
// valid message for a platform with a size limit.
func Split(text string, limit int) []string {
	if limit < utf8.UTFMax {
		limit = utf8.UTFMax
	}
	var out []string
	for len(text) > limit {
		cut := strings.LastIndexByte(text[:limit+1], '\n')
		if cut <= 0 {
			cut = limit
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			out = append(out, text[:cut])
			text = text[cut:]
			continue
		}
		out = append(out, text[:cut])
		text = text[cut+1:]
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}
