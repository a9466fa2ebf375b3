package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"dangke/bot"
	"dangke/commands"
	"dangke/web"
)

// startWeb serves the dashboard on web.listen, when it is set, and returns
// the links /看板 gives out and a stop function. The links' secret is
// web.secret, or one made once and kept in the database.
func (m *Main) startWeb(ctx context.Context, rc commands.Config) (*web.Links, func(), error) {
	c := m.cfg.Web
	if c.Listen == "" {
		return nil, func() {}, nil
	}
	secret := c.Secret
	if secret == "" {
		var err error
		secret, err = m.store.Secret(ctx, "web.secret", func() (string, error) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return "", err
			}
			return hex.EncodeToString(b), nil
		}, time.Now())
		if err != nil {
			return nil, nil, err
		}
	}
	links := &web.Links{Secret: []byte(secret), PublicURL: c.PublicURL, TTL: c.LinkTTL, Store: m.store}
	photos, err := m.openMedia() // the excellent lectures' photos
	if err != nil {
		return nil, nil, err
	}
	d, err := web.NewDashboard(web.Dashboard{Store: m.store, Links: links, Campaign: rc.Campaign, City: rc.City, Rubric: rc.Rubric, Log: m.logger, Media: photos})
	if err != nil {
		return nil, nil, err
	}
	go d.Warm(ctx) // what is missing for each deadline, read before the first page asks
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("web.listen %s 打不开：%w", c.Listen, err)
	}
	srv := bot.NewServer(d.Handler(), bot.ServerLimits{})
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger.Error("dashboard server", "err", err)
		}
	}()
	m.logger.Info("dashboard", "addr", ln.Addr().String(), "public_url", c.PublicURL)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return links, stop, nil
}
