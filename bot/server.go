package bot

import (
	"errors"
	"net/http"
	"time"
)

// ServerLimits bounds what one client may take from an HTTP server the bot
// exposes (the WeCom callback URL, the Telegram webhook): how long it may
// take to send its request, how long the answer may take, how long an idle
// connection stays open and how large a request may be. Zero fields take the
// defaults below, which are far above what WeCom or Telegram need.
type ServerLimits struct {
	ReadHeaderTimeout time.Duration // 10 s for the request line and headers
	ReadTimeout       time.Duration // 30 s for the whole request, body included
	WriteTimeout      time.Duration // 60 s from the end of the headers to the end of the answer
	IdleTimeout       time.Duration // 60 s between requests on a kept-alive connection
	MaxHeaderBytes    int           // 64 KiB
	MaxBodyBytes      int64         // 1 MiB
}

func (l ServerLimits) withDefaults() ServerLimits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = time.Minute
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = time.Minute
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 64 << 10
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 1 << 20
	}
	return l
}

// NewServer returns an HTTP server for h with the limits applied: a slow or
// oversized client is cut off instead of holding a connection and a
// goroutine. A body above MaxBodyBytes is refused with 413 when its length
// is declared, and cut off when it is not (reading it fails with
// *http.MaxBytesError; IsTooLarge tells).
func NewServer(h http.Handler, l ServerLimits) *http.Server {
	l = l.withDefaults()
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > l.MaxBodyBytes {
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, l.MaxBodyBytes)
		h.ServeHTTP(w, r)
	})
	return &http.Server{
		Handler:           limited,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// IsTooLarge reports whether err comes from reading a body past the limit
// NewServer set.
func IsTooLarge(err error) bool {
	var tooLarge *http.MaxBytesError
	return errors.As(err, &tooLarge)
}
