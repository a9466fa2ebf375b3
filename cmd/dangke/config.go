package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"dangke"
	"dangke/digest"
	"dangke/report"
)

// Config is the bot's configuration file. Every key is documented in
// config.example.yaml; ${NAME} in a value is replaced by the environment
// variable NAME, so secrets can stay out of the file.
type Config struct {
	DB            string         `yaml:"db"`
	City          string         `yaml:"city"`
	Timezone      string         `yaml:"timezone"`
	Admins        []string       `yaml:"admins"`
	UndoWindow    time.Duration  `yaml:"undo_window"`
	PromptTimeout time.Duration  `yaml:"prompt_timeout"`
	MaxMessage    int            `yaml:"max_message"`
	Log           LogConfig      `yaml:"log"`
	Console       ConsoleConfig  `yaml:"console"`
	Telegram      TelegramConfig `yaml:"telegram"`
	DingTalk      DingTalkConfig `yaml:"dingtalk"`
	WeCom         WeComConfig    `yaml:"wecom"`
	Contest       ContestConfig  `yaml:"contest"`
	Campaign      CampaignConfig `yaml:"campaign"`
	Replies       ReplyConfig    `yaml:"replies"` // the reply outbox (status.go)
	Import        ImportConfig   `yaml:"import"`
	Chart         ChartConfig    `yaml:"chart"`
	Admin         AdminConfig    `yaml:"admin"`
	Web           WebConfig      `yaml:"web"`
	MediaDir      string         `yaml:"media_dir"`      // photos and files of lectures; default: the database's path + .media
	MediaMaxSize  string         `yaml:"media_max_size"` // the largest file kept: 20MB
}

// ImportConfig sets up `dangke import`.
type ImportConfig struct {
	MaxSize string `yaml:"max_size"` // the largest file taken: 20MB
}

// CampaignConfig is one year's campaign; keys left out keep the notice's.
type CampaignConfig struct {
	Name           string        `yaml:"name"`
	Start          string        `yaml:"start"` // 2019-06-01
	End            string        `yaml:"end"`
	AcceptOutside  bool          `yaml:"accept_outside"` // lectures dated outside start..end may be logged
	PoolTarget     int           `yaml:"pool_target"`
	CoverageTarget int           `yaml:"coverage_target"` // percent, drawn on the charts
	IdleWeeks      int           `yaml:"idle_weeks"`
	RemindBefore   time.Duration `yaml:"remind_before"`
	DigestSchedule string        `yaml:"digest_schedule"` // cron: minute hour day month weekday
	DigestMaxAge   time.Duration `yaml:"digest_max_age"`
	// Holidays and Workdays add to the official calendar (github.com/6tail/lunar-go):
	// days off, and weekend days made working days (调休), as 2019-10-01.
	MaxMentions int      `yaml:"max_mentions"` // people one digest or reminder @-mentions at most (10)
	Holidays    []string `yaml:"holidays"`
	Workdays    []string `yaml:"workdays"`
	Deadlines   []struct {
		Name     string `yaml:"name"`
		Date     string `yaml:"date"`
		Requires string `yaml:"requires"`
	} `yaml:"deadlines"`
}

// campaign turns the section into the domain's campaign and validates it.
func (c CampaignConfig) campaign(loc *time.Location) (dangke.Campaign, error) {
	k := dangke.DefaultCampaign(loc)
	date := func(key, v string, dst *time.Time) error {
		if v == "" {
			return nil
		}
		t, err := time.ParseInLocation(dangke.DateLayout, v, loc)
		if err != nil {
			return fmt.Errorf("config: campaign.%s: %q is not a date like 2019-06-01", key, v)
		}
		*dst = t
		return nil
	}
	if c.Name != "" {
		k.Name = c.Name
	}
	if err := date("start", c.Start, &k.Start); err != nil {
		return k, err
	}
	if err := date("end", c.End, &k.End); err != nil {
		return k, err
	}
	k.AcceptOutside = c.AcceptOutside
	if c.PoolTarget != 0 {
		k.PoolTarget = c.PoolTarget
	}
	if c.IdleWeeks != 0 {
		k.IdleWeeks = c.IdleWeeks
	}
	if c.CoverageTarget < 0 || c.CoverageTarget > 100 {
		return k, fmt.Errorf("config: campaign.coverage_target %d: a percentage from 0 to 100", c.CoverageTarget)
	}
	k.CoverageTarget = c.CoverageTarget
	if c.RemindBefore != 0 {
		k.RemindBefore = c.RemindBefore
	}
	if c.DigestSchedule != "" {
		k.Schedule = c.DigestSchedule
	}
	if c.DigestMaxAge != 0 {
		k.MaxAge = c.DigestMaxAge
	}
	if len(c.Deadlines) > 0 {
		k.Deadlines = nil
		for i, d := range c.Deadlines {
			dl := dangke.Deadline{Name: d.Name, Requires: d.Requires}
			if err := date(fmt.Sprintf("deadlines[%d].date", i), d.Date, &dl.Date); err != nil {
				return k, err
			}
			k.Deadlines = append(k.Deadlines, dl)
		}
	}
	cal, err := calendar(k.Start, k.End, c.Holidays, c.Workdays, loc)
	if err != nil {
		return k, err
	}
	k.Calendar = cal
	if err := k.Validate(); err != nil {
		return k, fmt.Errorf("config: %w", err)
	}
	if err := digest.ParseSchedule(k.Schedule); err != nil {
		return k, fmt.Errorf("config: campaign.digest_schedule %q: %w", k.Schedule, err)
	}
	return k, nil
}

// WeComConfig enables the WeCom adapter when BotID or Callback.Token is set.
type WeComConfig struct {
	BotID       string `yaml:"bot_id"` // also from DANGKE_WECOM_BOT_ID
	Secret      string `yaml:"secret"` // also from DANGKE_WECOM_SECRET
	WSURL       string `yaml:"ws_url"` // wss://openws.work.weixin.qq.com
	WebhookHost string `yaml:"webhook_host"`
	DailyPush   int    `yaml:"daily_push"` // unprompted messages to one conversation a day; a digest past it is merged into one (0: no limit)
	Callback    struct {
		Token          string `yaml:"token"`
		EncodingAESKey string `yaml:"encoding_aes_key"` // also from DANGKE_WECOM_AES_KEY
		Listen         string `yaml:"listen"`
	} `yaml:"callback"`
}

// DingTalkConfig enables the DingTalk adapter when ClientID is set.
type DingTalkConfig struct {
	ClientID     string   `yaml:"client_id"`     // also from DANGKE_DINGTALK_CLIENT_ID
	ClientSecret string   `yaml:"client_secret"` // also from DANGKE_DINGTALK_CLIENT_SECRET
	RobotCode    string   `yaml:"robot_code"`    // the client id when empty
	OpenAPIHost  string   `yaml:"openapi_host"`  // https://api.dingtalk.com
	OAPIHost     string   `yaml:"oapi_host"`     // https://oapi.dingtalk.com (media upload)
	AllowChats   []string `yaml:"allow_chats"`   // conversation ids; empty: every chat the robot is in
	RobotName    string   `yaml:"robot_name"`    // the robot's name in groups, for "@党课助手 1"
	RatePerSec   float64  `yaml:"rate_per_sec"`  // OpenAPI calls a second across the app (20)
	MonthlyQuota int      `yaml:"monthly_quota"` // metered calls a month, shown by dangke status (10000 on the free edition); 0: unknown
}

// ContestConfig is the lecture contest's scoring standard and rules (附件3).
type ContestConfig struct {
	Criteria []struct {
		Name string `yaml:"name"`
		Max  string `yaml:"max"` // points, up to two decimals
	} `yaml:"criteria"`
	Quota      int           `yaml:"quota"`
	MaxLength  time.Duration `yaml:"max_length"`
	Top        int           `yaml:"top"`
	Membership []string      `yaml:"membership"`
}

// rubric turns the contest section into the domain's rubric; keys left out
// keep the notice's values.
func (c ContestConfig) rubric() (dangke.Rubric, error) {
	r := dangke.DefaultRubric()
	if len(c.Criteria) > 0 {
		r.Criteria = nil
		for _, cr := range c.Criteria {
			p, ok := dangke.ParsePoints(cr.Max)
			if !ok {
				return r, fmt.Errorf("config: contest.criteria: %s: max %q is not a score like 5 or 2.5", cr.Name, cr.Max)
			}
			r.Criteria = append(r.Criteria, dangke.Criterion{Name: cr.Name, Max: p})
		}
	}
	if c.Quota != 0 {
		r.Quota = c.Quota
	}
	if c.MaxLength != 0 {
		r.MaxLength = c.MaxLength
	}
	if c.Top != 0 {
		r.Top = c.Top
	}
	if len(c.Membership) > 0 {
		r.Membership = c.Membership
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("config: %w", err)
	}
	return r, nil
}

// TelegramConfig enables the Telegram adapter when Token is set.
type TelegramConfig struct {
	Token         string `yaml:"token"`          // also from DANGKE_TELEGRAM_TOKEN
	APIURL        string `yaml:"api_url"`        // https://api.telegram.org
	WebhookURL    string `yaml:"webhook_url"`    // empty: long polling
	WebhookSecret string `yaml:"webhook_secret"` // also from DANGKE_TELEGRAM_WEBHOOK_SECRET
	Listen        string `yaml:"listen"`         // webhook server address
}

// LogConfig sets up logging.
type LogConfig struct {
	Level      string `yaml:"level"`       // debug, info, warn, error
	Format     string `yaml:"format"`      // text or json
	File       string `yaml:"file"`        // empty: standard error
	MaxSizeMB  int    `yaml:"max_size_mb"` // a log file is rotated at this size
	MaxBackups int    `yaml:"max_backups"` // rotated files kept
}

// ConsoleConfig sets up the local console.
type ConsoleConfig struct {
	OutDir string `yaml:"out_dir"` // where files sent to the console are saved
}

// defaults returns the configuration used when no file is given.
func defaults() Config {
	return Config{
		DB:            "dangke.db",
		City:          "焦作市",
		Timezone:      "Asia/Shanghai",
		UndoWindow:    24 * time.Hour,
		PromptTimeout: 5 * time.Minute,
		MaxMessage:    4000,
		Log:           LogConfig{Level: "info", Format: "text", MaxSizeMB: 10, MaxBackups: 5},
		Console:       ConsoleConfig{OutDir: "."},
		Telegram:      TelegramConfig{APIURL: "https://api.telegram.org", Listen: ":8443"},
		DingTalk:      DingTalkConfig{OpenAPIHost: "https://api.dingtalk.com", OAPIHost: "https://oapi.dingtalk.com"},
		WeCom:         WeComConfig{WSURL: "wss://openws.work.weixin.qq.com", WebhookHost: "https://qyapi.weixin.qq.com"},
		Admin:         AdminConfig{Listen: "127.0.0.1:9090"},
		Web:           WebConfig{LinkTTL: 7 * 24 * time.Hour},
	}
}

// fromEnv fills secrets the file leaves empty from the environment.
func (c *Config) fromEnv(getenv func(string) string) {
	for _, s := range []struct {
		dst *string
		env string
	}{
		{&c.Telegram.Token, "DANGKE_TELEGRAM_TOKEN"},
		{&c.Telegram.WebhookSecret, "DANGKE_TELEGRAM_WEBHOOK_SECRET"},
		{&c.DingTalk.ClientID, "DANGKE_DINGTALK_CLIENT_ID"},
		{&c.DingTalk.ClientSecret, "DANGKE_DINGTALK_CLIENT_SECRET"},
		{&c.WeCom.BotID, "DANGKE_WECOM_BOT_ID"},
		{&c.WeCom.Secret, "DANGKE_WECOM_SECRET"},
		{&c.WeCom.Callback.EncodingAESKey, "DANGKE_WECOM_AES_KEY"},
	} {
		if *s.dst == "" {
			*s.dst = getenv(s.env)
		}
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// unsetVar is a ${NAME} whose variable is empty, and the key it is in.
type unsetVar struct {
	name, key string
}

// loadConfig reads a YAML file over the defaults. Unknown keys are errors,
// so that a misspelt key is not silently ignored. ${NAME} is replaced by
// the environment variable NAME in the decoded values — never in the YAML
// text, so a secret holding '#', '&', '*' or ': ' arrives as it is, and
// never in comments. An unset variable is an error unless it belongs to a
// platform that stays disabled (telegram:, dingtalk:, wecom:, or an admin
// of such a platform, which is then left out).
func loadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := defaults()
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("配置文件 %s 读不到：%w", path, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return cfg, fmt.Errorf("配置文件 %s 不是正确的 YAML：%w", path, err)
	}
	var unset []unsetVar
	expand(&root, "", getenv, &unset)
	if root.Kind != 0 { // an empty file keeps the defaults
		// Encoded again and decoded strictly: yaml.Node.Decode cannot refuse unknown keys.
		text, err := yaml.Marshal(&root)
		if err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(text))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("配置文件 %s：%w（键名见 config.example.yaml）", path, err)
		}
	}
	cfg.fromEnv(getenv)
	if err := cfg.dropUnset(unset); err != nil {
		return cfg, fmt.Errorf("配置文件 %s：%w", path, err)
	}
	return cfg, cfg.validate()
}

// expand replaces ${NAME} in every scalar value under n (keys and comments
// are left alone) and notes the variables that are empty.
func expand(n *yaml.Node, key string, getenv func(string) string, unset *[]unsetVar) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expand(c, key, getenv, unset)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if key != "" {
				k = key + "." + k
			}
			expand(n.Content[i+1], k, getenv, unset)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expand(c, fmt.Sprintf("%s[%d]", key, i), getenv, unset)
		}
	case yaml.ScalarNode:
		if !envRef.MatchString(n.Value) {
			return
		}
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := envRef.FindStringSubmatch(m)[1]
			v := getenv(name)
			if v == "" {
				*unset = append(*unset, unsetVar{name: name, key: key})
			}
			return v
		})
		// The value is a string whatever the variable holds (a secret of
		// digits stays a string), and is written back quoted as needed.
		n.Tag, n.Style = "!!str", 0
	}
}

// dropUnset checks the ${NAME}s whose variable was empty: fine in the
// section of a platform that is not enabled, and in an admin entry of
// such a platform (the entry is left out); an error anywhere else.
func (c *Config) dropUnset(unset []unsetVar) error {
	enabled := map[string]bool{
		"telegram": c.Telegram.Token != "",
		"dingtalk": c.DingTalk.ClientID != "",
		"wecom":    c.WeCom.BotID != "" || c.WeCom.Callback.Token != "",
	}
	var missing []string
	drop := map[int]bool{}
	for _, u := range unset {
		section, _, _ := strings.Cut(u.key, ".")
		if on, isPlatform := enabled[section]; isPlatform && !on {
			continue
		}
		var i int
		if n, _ := fmt.Sscanf(u.key, "admins[%d]", &i); n == 1 && i < len(c.Admins) {
			platform, _, _ := strings.Cut(c.Admins[i], ":")
			if on, isPlatform := enabled[platform]; isPlatform && !on {
				drop[i] = true
				continue
			}
		}
		missing = append(missing, fmt.Sprintf("%s（%s）", u.name, u.key))
	}
	if len(missing) > 0 {
		return fmt.Errorf("环境变量未设置：%s。在启动前设置它们，例如 export %s=…，或写在 systemd 的 EnvironmentFile 里", strings.Join(missing, "、"), firstName(missing))
	}
	if len(drop) > 0 {
		admins := c.Admins[:0:0]
		for i, a := range c.Admins {
			if !drop[i] {
				admins = append(admins, a)
			}
		}
		c.Admins = admins
	}
	return nil
}

func (c *Config) validate() error {
	if c.DB == "" {
		return fmt.Errorf("config: db must name a database file")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return fmt.Errorf("config: timezone %q: %w", c.Timezone, err)
	}
	for _, a := range c.Admins {
		if p, id, ok := strings.Cut(a, ":"); !ok || p == "" || id == "" {
			return fmt.Errorf("config: admins: %q should be platform:userid, like dingtalk:manager123", a)
		}
	}
	if c.Replies.KeepDays < 0 {
		return fmt.Errorf("config: replies.keep_days must not be negative (0: the default, %d days), e.g. keep_days: 3", defaultKeepDays)
	}
	if c.UndoWindow < 0 || c.PromptTimeout < 0 {
		return fmt.Errorf("config: undo_window and prompt_timeout must not be negative")
	}
	if c.MaxMessage < 100 || c.MaxMessage > 100000 {
		return fmt.Errorf("config: max_message must be between 100 and 100000 characters, got %d", c.MaxMessage)
	}
	if _, err := c.Contest.rubric(); err != nil {
		return err
	}
	loc, _ := time.LoadLocation(c.Timezone)
	if _, err := c.Campaign.campaign(loc); err != nil {
		return err
	}
	if c.Import.MaxSize != "" {
		if _, err := report.ParseSize(c.Import.MaxSize); err != nil {
			return fmt.Errorf("config: import.max_size: %w", err)
		}
	}
	if c.MediaMaxSize != "" {
		if _, err := report.ParseSize(c.MediaMaxSize); err != nil {
			return fmt.Errorf("config: media_max_size: %w", err)
		}
	}
	if t := c.Telegram; t.WebhookURL != "" && t.WebhookSecret == "" {
		return fmt.Errorf("config: telegram.webhook_url needs telegram.webhook_secret, so that only Telegram can post updates")
	}
	return c.validateWeb()
}

// firstName returns the variable name of a "NAME（key）" entry.
func firstName(missing []string) string {
	name, _, _ := strings.Cut(missing[0], "（")
	return name
}

func loadLocation(name string) (*time.Location, error) { return time.LoadLocation(name) }
