package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigWeb(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "city: 焦作市\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Admin.Listen != "127.0.0.1:9090" || cfg.Admin.Pprof || cfg.Web.Listen != "" || cfg.Web.LinkTTL != 7*24*time.Hour || cfg.Chart.Font != "" {
		t.Errorf("defaults: %+v %+v %+v", cfg.Admin, cfg.Web, cfg.Chart)
	}
	cfg, err = loadConfig(writeConfig(t, "admin:\n  listen: \"\"\n"), envOf(nil))
	if err != nil || cfg.Admin.Listen != "" {
		t.Errorf("admin off: %q %v", cfg.Admin.Listen, err)
	}
	ok := "web:\n  listen: 127.0.0.1:8080\n  public_url: https://dangke.example.org\n  link_ttl: 72h\n"
	cfg, err = loadConfig(writeConfig(t, ok), envOf(nil))
	if err != nil || cfg.Web.LinkTTL != 72*time.Hour {
		t.Errorf("web: %+v %v", cfg.Web, err)
	}
	for text, want := range map[string]string{
		"admin:\n  listen: 9090\n":                                        "admin.listen",
		"web:\n  listen: :8080\n":                                         "web.public_url",
		"web:\n  listen: :8080\n  public_url: dangke.example.org\n":       "web.public_url",
		ok + "  secret: short\n":                                          "web.secret",
		"web:\n  listen: :8080\n  public_url: http://x\n  link_ttl: 1s\n": "web.link_ttl",
		"chart:\n  font: /nonexistent/font.ttf\n":                         "chart.font",
		"campaign:\n  coverage_target: 120\n":                             "coverage_target",
	} {
		if _, err := loadConfig(writeConfig(t, text), envOf(nil)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming %s", text, err, want)
		}
	}
}
