package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dangke/internal/pgtest"
	"dangke/store"
)

var envName = regexp.MustCompile(`DANGKE_[A-Z_]+[A-Z]`)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dangke.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// ${NAME} is replaced in the decoded value: a secret with YAML's special
// characters arrives whole; a ${NAME} in a comment is never read.
func TestConfigSecretsVerbatim(t *testing.T) {
	secret := "a#b &c *d: e 'f\" {g} [h], ${NOT_A_REF}"
	path := writeConfig(t, `# ${IN_COMMENT} is not expanded
dingtalk:
  client_id: ${ID}          # ${ALSO_IN_COMMENT}
  client_secret: ${SECRET}
telegram:
  token: "bot-${ID}"
`)
	env := map[string]string{"ID": "123456", "SECRET": secret}
	cfg, err := loadConfig(path, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DingTalk.ClientSecret != secret || cfg.DingTalk.ClientID != "123456" || cfg.Telegram.Token != "bot-123456" {
		t.Fatalf("%q %q %q", cfg.DingTalk.ClientSecret, cfg.DingTalk.ClientID, cfg.Telegram.Token)
	}
}

// Copied as it is, config.example.yaml starts the bot with only the
// variables of the platforms enabled: none (the console), DingTalk alone,
// Telegram alone. A variable of an enabled platform that is missing is
// named.
func TestExampleConfigPerPlatform(t *testing.T) {
	const example = "../../config.example.yaml"
	cfg, err := loadConfig(example, envOf(nil))
	if err != nil {
		t.Fatalf("no variables: %v", err)
	}
	if len(cfg.Admins) != 0 || cfg.DingTalk.ClientID != "" || cfg.Telegram.Token != "" || cfg.WeCom.BotID != "" {
		t.Fatalf("no variables: %+v", cfg)
	}
	ding := map[string]string{"DANGKE_DINGTALK_CLIENT_ID": "ding-id", "DANGKE_DINGTALK_CLIENT_SECRET": "s#1: x", "DANGKE_ADMIN_DINGTALK": "manager1"}
	for name, c := range map[string]struct {
		config    string
		env       map[string]string
		admins    int
		platforms []string
	}{
		"example, DingTalk":  {example, ding, 1, []string{"dingtalk"}},
		"docs/dingtalk.yaml": {"../../docs/dingtalk.yaml", ding, 1, []string{"dingtalk"}},
		"example, Telegram":  {example, map[string]string{"DANGKE_TELEGRAM_TOKEN": "1:abc"}, 0, []string{"telegram"}},
		"example, WeCom":     {example, map[string]string{"DANGKE_WECOM_BOT_ID": "b", "DANGKE_WECOM_SECRET": "s"}, 0, []string{"wecom"}},
	} {
		m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: envOf(c.env)}
		if err := m.ParseFlags([]string{"--config", c.config, "--db", filepath.Join(t.TempDir(), "d.db")}); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(m.cfg.Admins) != c.admins {
			t.Errorf("%s: admins %q", name, m.cfg.Admins)
		}
		if c.platforms[0] == "telegram" { // telegram.New asks Telegram for the bot: no test reaches outside
			if m.cfg.Telegram.Token == "" {
				t.Errorf("%s: telegram not enabled", name)
			}
			continue
		}
		adapters, err := m.platforms(context.Background(), nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, a := range adapters {
			got = append(got, a.Name())
		}
		if strings.Join(got, ",") != strings.Join(c.platforms, ",") {
			t.Errorf("%s: platforms %v", name, got)
		}
		_ = m.Close()
	}
	delete(ding, "DANGKE_ADMIN_DINGTALK")
	if _, err := loadConfig(example, envOf(ding)); err == nil || !strings.Contains(err.Error(), "DANGKE_ADMIN_DINGTALK（admins[0]）") {
		t.Fatalf("DingTalk without its admin: %v", err)
	}
	if _, err := loadConfig(example, envOf(map[string]string{"DANGKE_WECOM_BOT_ID": "b"})); err == nil || !strings.Contains(err.Error(), "DANGKE_WECOM_SECRET") {
		t.Fatalf("WeCom without its secret: %v", err)
	}
}

// Every DANGKE_* variable the documentation names fills its key, before
// the configuration is checked (a webhook's secret may come from the
// environment), with and without a configuration file.
func TestEnvironmentVariables(t *testing.T) {
	env := map[string]string{
		"DANGKE_TELEGRAM_TOKEN":          "tg",
		"DANGKE_TELEGRAM_WEBHOOK_SECRET": "hook",
		"DANGKE_DINGTALK_CLIENT_ID":      "did",
		"DANGKE_DINGTALK_CLIENT_SECRET":  "dsecret",
		"DANGKE_WECOM_BOT_ID":            "wid",
		"DANGKE_WECOM_SECRET":            "wsecret",
		"DANGKE_WECOM_AES_KEY":           "aes",
	}
	path := writeConfig(t, "telegram:\n  webhook_url: https://bot.example.org/tg\n")
	for _, args := range [][]string{{"--config", path}, {"--db", filepath.Join(t.TempDir(), "d.db")}} {
		m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: envOf(env)}
		dir := t.TempDir()
		wd, _ := os.Getwd()
		if err := os.Chdir(dir); err != nil { // no dangke.yaml read by accident
			t.Fatal(err)
		}
		err := m.ParseFlags(args)
		_ = os.Chdir(wd)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		c := m.cfg
		got := []string{c.Telegram.Token, c.Telegram.WebhookSecret, c.DingTalk.ClientID, c.DingTalk.ClientSecret, c.WeCom.BotID, c.WeCom.Secret, c.WeCom.Callback.EncodingAESKey}
		if strings.Join(got, " ") != "tg hook did dsecret wid wsecret aes" {
			t.Errorf("%v: %q", args, got)
		}
	}
	// Every variable README and config.example.yaml name is one of these.
	for _, doc := range []string{"../../README.md", "../../config.example.yaml", "../../docs/operations.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envName.FindAllString(string(b), -1) {
			// Read elsewhere: by the store, for replicas, by the tests, by scripts/test-postgres.sh.
			elsewhere := map[string]bool{"DANGKE_ADMIN_DINGTALK": true, store.PasswordEnv: true, ReplicaEnv: true,
				pgtest.Env: true, pgtest.RequiredEnv: true, "DANGKE_PG_OPTS": true}
			if _, ok := env[m]; !ok && !elsewhere[m] {
				t.Errorf("%s names %s, which nothing reads", doc, m)
			}
		}
	}
}
