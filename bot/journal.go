package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"dangke"
)

// journalCompact is the size past which the journal is emptied as soon as
// no mark is outstanding.
const journalCompact = 1 << 20

// journal notes each reply the platform accepted in a file at once, before
// its mark is committed to the database: one write, no fsync, since the
// page cache outlives a killed process. At the next start the noted replies
// are marked sent before anything is sent again, so a crash between the
// platform's answer and the mark's commit no longer repeats them. (A power
// cut may lose the newest lines; those replies then go out twice: at least
// once still holds.)
type journal struct {
	path string

	mu          sync.Mutex
	f           *os.File
	size        int64
	outstanding int  // noted replies whose mark is not committed yet
	unmarked    bool // a mark failed since the file was last emptied: keep its line
}

// replay marks sent every reply noted in the file, then empties it and
// opens it for appending.
func (j *journal) replay(ctx context.Context, mark func(context.Context, dangke.MessageKey) error) (int, int, error) {
	var keys []dangke.MessageKey
	sending := map[dangke.MessageKey]bool{}
	if f, err := os.Open(j.path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Bytes()
			intent := len(line) > 0 && line[0] == '?'
			if intent {
				line = line[1:]
			}
			var k dangke.MessageKey
			if json.Unmarshal(line, &k) != nil || k.ID == "" { // a torn last line is skipped
				continue
			}
			if intent {
				sending[k] = true
				continue
			}
			delete(sending, k)
			keys = append(keys, k)
		}
		_ = f.Close()
	} else if !os.IsNotExist(err) {
		return 0, 0, fmt.Errorf("bot: outbox journal: %w", err)
	}
	// Marked 64 at a time, so that they share the store's group commits.
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := mark(ctx, k); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, fmt.Errorf("bot: outbox journal: %w", firstErr) // keep the file for the next start
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, 0, fmt.Errorf("bot: outbox journal: %w", err)
	}
	j.mu.Lock()
	j.f = f
	j.mu.Unlock()
	return len(keys), len(sending), nil
}

// intent notes a reply about to be sent ("?" and its key): one that is not
// followed by its acceptance was on its way at a crash, and its resend may
// be a repeat. It is a count for the log, not a rule: nothing depends on it.
func (j *journal) intent(key dangke.MessageKey) {
	line, _ := json.Marshal(key)
	line = append(append([]byte{'?'}, line...), '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return
	}
	n, _ := j.f.Write(line)
	j.size += int64(n)
}

// note appends a reply the platform accepted.
func (j *journal) note(key dangke.MessageKey) {
	line, _ := json.Marshal(key)
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return
	}
	n, err := j.f.Write(line)
	j.size += int64(n)
	if err != nil {
		j.unmarked = true // a torn line: never empty the file under it
	}
	j.outstanding++
}

// done records that the mark of a noted reply was committed (ok) or not,
// and empties the file once it is large and every line in it is marked.
func (j *journal) done(ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return
	}
	j.outstanding--
	j.unmarked = j.unmarked || !ok
	if j.outstanding == 0 && !j.unmarked && j.size > journalCompact {
		if j.f.Truncate(0) == nil {
			j.size = 0
		}
	}
}

func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		_ = j.f.Close()
		j.f = nil
	}
}
