package bot

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHTTPClientKeepsConnections sends rounds of 16 requests at once to one
// loopback host: the client dials each connection once and reuses it, where
// Go's default client keeps two and dials the others again every round.
func TestHTTPClientKeepsConnections(t *testing.T) {
	var dialed atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond) // so that the 16 overlap
		_, _ = io.WriteString(w, `{"errcode":0}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	rounds := func(c *http.Client) int64 {
		dialed.Store(0)
		for range 5 {
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := c.Post(srv.URL, "application/json", nil)
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}()
			}
			wg.Wait()
		}
		return dialed.Load()
	}
	if n := rounds(HTTPClient(time.Second, 16)); n > 16 {
		t.Errorf("HTTPClient dialed %d connections for 5 rounds of 16 requests, want at most 16", n)
	}
	plain := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if n := rounds(plain); n <= 16 {
		t.Logf("the default client dialed only %d this time", n)
	}
}
