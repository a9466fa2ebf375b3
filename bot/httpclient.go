package bot

import (
	"net/http"
	"time"
)

// HTTPClient returns a client for a platform's API with the given timeout
// that keeps up to conns connections to each host open between requests.
// Go's default keeps two: with more replies than that on their way at once,
// every reply past the second dialed (and on the real platforms shook
// hands over TLS) again, measured at 9% of the CPU of a lecture through
// the DingTalk adapter.
func HTTPClient(timeout time.Duration, conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(conns, 2)
	return &http.Client{Timeout: timeout, Transport: t}
}
