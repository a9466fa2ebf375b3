// Package slowloris opens slow connections to a server on loopback, for the
// tests of the bot's HTTP servers.
package slowloris

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// Attack is a set of connections that each sent part of a request and
// stopped.
type Attack struct {
	conns []net.Conn
}

// Open opens n connections to addr (host:port) and leaves them hanging:
// half stop inside the headers, half after the headers and a few bytes of a
// body that was announced much larger.
func Open(t testing.TB, addr, path string, n int) *Attack {
	t.Helper()
	a := &Attack{}
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", path, addr)
		if i%2 == 1 {
			head += "Content-Length: 100000\r\n\r\n{\"encrypt\":"
		}
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		a.conns = append(a.conns, c)
	}
	t.Cleanup(a.close)
	return a
}

func (a *Attack) close() {
	for _, c := range a.conns {
		c.Close()
	}
}

// Released waits up to within for the server to give up on each connection
// (answer it or close it) and returns how many it still holds.
func (a *Attack) Released(within time.Duration) (held int) {
	deadline := time.Now().Add(within)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range a.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			buf := make([]byte, 4096)
			for {
				_, err := c.Read(buf)
				if err == nil {
					continue // an answer (408, 400 …); read on to the close
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					mu.Lock()
					held++
					mu.Unlock()
				}
				return
			}
		}()
	}
	wg.Wait()
	return held
}
