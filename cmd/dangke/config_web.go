package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"dangke/chart"
)

// ChartConfig sets up the pictures of /图表 and the digests.
type ChartConfig struct {
	// Font is a font file (TTF, OTF or TTC, such as a full Noto Sans CJK or
	// a Windows SimHei) tried after the embedded CJK subset for characters
	// the subset lacks; empty: the embedded fonts only.
	Font string `yaml:"font"`
}

// AdminConfig sets up the operator's endpoints: /healthz, /metrics and,
// when asked, /debug/pprof.
type AdminConfig struct {
	Listen string `yaml:"listen"` // 127.0.0.1:9090; empty: off
	Pprof  bool   `yaml:"pprof"`
}

// WebConfig sets up the read-only dashboard behind signed links.
type WebConfig struct {
	Listen    string        `yaml:"listen"`     // :8080; empty: off
	PublicURL string        `yaml:"public_url"` // how people reach it: https://dangke.example.org
	Secret    string        `yaml:"secret"`     // signs the links; empty: generated once and kept in the database
	LinkTTL   time.Duration `yaml:"link_ttl"`   // 168h
}

func (c *Config) validateWeb() error {
	if c.Chart.Font != "" {
		if _, err := chart.NewFonts(c.Chart.Font); err != nil {
			return fmt.Errorf("config: chart.font: %w", err)
		}
	}
	for _, l := range []struct{ key, addr string }{{"admin.listen", c.Admin.Listen}, {"web.listen", c.Web.Listen}} {
		if l.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			return fmt.Errorf("config: %s %q should be host:port, like 127.0.0.1:9090", l.key, l.addr)
		}
	}
	if c.Web.Listen != "" {
		u, err := url.Parse(c.Web.PublicURL)
		if c.Web.PublicURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: web.public_url %q should be the address people open, like https://dangke.example.org", c.Web.PublicURL)
		}
		if c.Web.LinkTTL < time.Minute {
			return fmt.Errorf("config: web.link_ttl %s: at least 1m", c.Web.LinkTTL)
		}
		if s := c.Web.Secret; s != "" && len(strings.TrimSpace(s)) < 32 {
			return fmt.Errorf("config: web.secret must be at least 32 characters (or left empty: generated once and kept in the database)")
		}
	}
	return nil
}
