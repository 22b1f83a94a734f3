package bot

import (
	"fmt"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of focalbot. It comes from the environment only; the
// table below declares every variable with its default, its check and whether it is secret.
type Config struct {
	BotToken        string
	APIURL          string
	DatabaseURL     string
	AdminIDs        []int64
	HTTPAddr        string
	LogLevel        slog.Level
	RunMigrations   bool
	PollTimeout     time.Duration
	ShutdownTimeout time.Duration
	HandlerWorkers  int
	HealthBacklog   int             // /healthz fails when more updates than this wait unhandled
	AlertAckTimeout time.Duration   // an urgent alert unacknowledged this long: reminder, then escalation
	PaidBroadcast   bool            // ALLOW_PAID_BROADCAST: sends may exceed 30/s, paid in Telegram Stars
	SendRate        float64         // messages per second across all chats, interactive replies included
	MaxAttempts     int             // tries of a delivery failing with 5xx or unexplained errors
	WebhookURL      string          // WEBHOOK_URL: updates come by webhook; "" polls getUpdates
	WebhookSecret   string          // WEBHOOK_SECRET: Telegram sends it in X-Telegram-Bot-Api-Secret-Token
	WebhookAddr     string          // WEBHOOK_ADDR: where the webhook listens (behind the TLS proxy)
	ConsoleAddr     string          // CONSOLE_ADDR: the analysts' web console listens here; "" for none
	ConsoleURL      string          // CONSOLE_PUBLIC_URL: the console's address as browsers reach it
	Retention       store.Retention // how long each kind of record is kept (bot/retention.go)
	// CONFIDENTIAL_CONTENT: alerts reach Telegram as a header and an Open button; their content
	// is read in the Mini App, from the console's server.
	ConfidentialContent bool
	// AppFrameAncestors: origins besides Telegram's web client allowed to frame the Mini App
	// (the sandbox's page). Not settable from the environment.
	AppFrameAncestors string

	// SendLimits replaces Telegram's limits (TelegramLimits(SendRate)) in the limiter. The
	// end-to-end tests of conversations relax them, so a burst of replies to one chat does
	// not take a second each; the delivery tests keep them. Not settable from the environment.
	SendLimits *delivery.Limits

	// InboundBurst and InboundRate are each sender's inbound budget (a token bucket: see
	// bot/abuse.go); zero means 20 updates and 1 a second. Not settable from the environment.
	InboundBurst int
	InboundRate  float64
	// OutsiderAnswerEvery is how often someone outside the network may be answered (see
	// bot/abuse.go); zero means 10 minutes, negative no limit (the bot package's own tests,
	// whose echo commands answer anyone). Not settable from the environment.
	OutsiderAnswerEvery time.Duration

	// NoJobs keeps periodic jobs from running on their own: tests run them with RunJobs after
	// moving a FakeClock. Not settable from the environment.
	NoJobs bool
}

// setting is one environment variable.
type setting struct {
	Name    string
	Default string
	Secret  bool // never logged; may also be read from the file named by NAME_FILE
	Help    string
	apply   func(c *Config, v string) error
}

// Settings is the table of every variable, in the order the README lists them.
var Settings = []setting{
	{Name: "TELEGRAM_BOT_TOKEN", Secret: true,
		Help: "the bot's token from @BotFather; required by run",
		apply: func(c *Config, v string) error {
			if v != "" && !tokenLooksRight(v) {
				return fmt.Errorf("does not look like a bot token (digits, a colon, then letters): copy it again from @BotFather")
			}
			c.BotToken = v
			return nil
		}},
	{Name: "TELEGRAM_API_URL", Default: "https://api.telegram.org",
		Help: "Bot API base URL; tests and the sandbox point it at the emulator",
		apply: func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("must be an http(s) URL such as https://api.telegram.org")
			}
			c.APIURL = strings.TrimRight(v, "/")
			return nil
		}},
	{Name: "DATABASE_URL", Secret: true,
		Help: "PostgreSQL connection URL, e.g. postgres://focalbot@localhost/focalbot?sslmode=disable; required by run and migrate",
		apply: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
					return fmt.Errorf("must be a URL starting postgres:// such as postgres://focalbot@localhost/focalbot?sslmode=disable")
				}
			}
			c.DatabaseURL = v
			return nil
		}},
	{Name: "ADMIN_TELEGRAM_IDS",
		Help: "comma-separated Telegram user IDs made admins at start-up",
		apply: func(c *Config, v string) error {
			c.AdminIDs = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				id, err := strconv.ParseInt(f, 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("%q is not a Telegram user ID: give positive numbers separated by commas", f)
				}
				c.AdminIDs = append(c.AdminIDs, id)
			}
			return nil
		}},
	{Name: "HTTP_ADDR", Default: "127.0.0.1:8080",
		Help: "address of /healthz and /metrics",
		apply: func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("must be host:port such as 127.0.0.1:8080")
			}
			c.HTTPAddr = v
			return nil
		}},
	{Name: "LOG_LEVEL", Default: "info",
		Help: "debug, info, warn or error",
		apply: func(c *Config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("must be debug, info, warn or error")
			}
			return nil
		}},
	{Name: "RUN_MIGRATIONS", Default: "true",
		Help: "apply pending migrations when run starts",
		apply: func(c *Config, v string) (err error) {
			c.RunMigrations, err = strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false")
			}
			return nil
		}},
	{Name: "POLL_TIMEOUT", Default: "30s",
		Help: "long-poll wait of getUpdates (1s to 50s); the HTTP client waits 10s longer",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second || d > 50*time.Second {
				return fmt.Errorf("must be a duration from 1s to 50s, such as 30s")
			}
			c.PollTimeout = d
			return nil
		}},
	{Name: "SHUTDOWN_TIMEOUT", Default: "10s",
		Help: "how long handlers in flight may finish after SIGTERM",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("must be a positive duration such as 10s")
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{Name: "HANDLER_WORKERS", Default: "16",
		Help: "updates of different chats handled at once",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return fmt.Errorf("must be a whole number from 1 to 1000")
			}
			c.HandlerWorkers = n
			return nil
		}},
	{Name: "HEALTH_MAX_BACKLOG", Default: "200",
		Help: "updates waiting unhandled beyond which /healthz answers 503",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("must be a whole number of at least 1")
			}
			c.HealthBacklog = n
			return nil
		}},
	{Name: "ALERT_ACK_TIMEOUT", Default: "30m",
		Help: "how long an urgent alert may go unacknowledged before a reminder (and as long again before analysts are told)",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute || d > 24*time.Hour {
				return fmt.Errorf("must be a duration from 1m to 24h, such as 30m")
			}
			c.AlertAckTimeout = d
			return nil
		}},
	{Name: "ALLOW_PAID_BROADCAST", Default: "false",
		Help: "send with allow_paid_broadcast, allowing SEND_RATE up to 1000 (Telegram charges Stars above 30/s)",
		apply: func(c *Config, v string) (err error) {
			c.PaidBroadcast, err = strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false")
			}
			return nil
		}},
	{Name: "SEND_RATE", Default: "30",
		Help: "messages per second to Telegram across all chats (at most 30, or 1000 with ALLOW_PAID_BROADCAST)",
		apply: func(c *Config, v string) error {
			r, err := strconv.ParseFloat(v, 64)
			limit := 30.0
			if c.PaidBroadcast {
				limit = 1000
			}
			if err != nil || r < 1 || r > limit {
				if !c.PaidBroadcast {
					return fmt.Errorf("must be a number from 1 to 30 (Telegram's limit; up to 1000 with ALLOW_PAID_BROADCAST=true)")
				}
				return fmt.Errorf("must be a number from 1 to 1000")
			}
			c.SendRate = r
			return nil
		}},
	{Name: "DELIVERY_MAX_ATTEMPTS", Default: "8",
		Help: "tries of a message failing with Telegram 5xx (or unexplained) errors before it counts as failed (backoff from 2s doubling, at most 5min); network and database faults are retried without limit",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return fmt.Errorf("must be a whole number from 1 to 100")
			}
			c.MaxAttempts = n
			return nil
		}},
	{Name: "WEBHOOK_URL",
		Help: "the public https URL Telegram posts updates to; unset, the bot polls getUpdates (and deletes a webhook left set)",
		apply: func(c *Config, v string) error {
			if v == "" {
				c.WebhookURL = ""
				return nil
			}
			if err := checkWebhookURL(v); err != nil {
				return err
			}
			c.WebhookURL = v
			return nil
		}},
	{Name: "WEBHOOK_SECRET", Secret: true,
		Help: "required with WEBHOOK_URL: 32 to 256 characters of A-Z, a-z, 0-9, _ and -, e.g. from `openssl rand -hex 32`",
		apply: func(c *Config, v string) error {
			if c.WebhookURL == "" {
				c.WebhookSecret = v
				return nil
			}
			if v == "" {
				return fmt.Errorf("is required with WEBHOOK_URL: 32 to 256 characters of A-Z, a-z, 0-9, _ and -, e.g. from `openssl rand -hex 32`")
			}
			if len(v) < 32 || len(v) > 256 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
				return fmt.Errorf("must be 32 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's alphabet), e.g. from `openssl rand -hex 32`")
			}
			c.WebhookSecret = v
			return nil
		}},
	{Name: "WEBHOOK_ADDR", Default: "127.0.0.1:8081",
		Help: "address the webhook listens on, behind the reverse proxy that ends TLS for WEBHOOK_URL (only with WEBHOOK_URL)",
		apply: func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("must be host:port such as 127.0.0.1:8081")
			}
			c.WebhookAddr = v
			return nil
		}},
	{Name: "CONSOLE_ADDR",
		Help: "address of the analysts' web console, e.g. 127.0.0.1:8082; empty: no console",
		apply: func(c *Config, v string) error {
			if v != "" {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return fmt.Errorf("must be host:port such as 127.0.0.1:8082")
				}
			}
			c.ConsoleAddr = v
			return nil
		}},
	{Name: "CONSOLE_PUBLIC_URL",
		Help: "the console's base URL as browsers reach it (https://console.example.org behind a reverse proxy); empty: http://CONSOLE_ADDR",
		apply: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
					return fmt.Errorf("must be an http(s) URL such as https://console.example.org")
				}
			}
			c.ConsoleURL = strings.TrimRight(v, "/")
			return nil
		}},
	retention("RETAIN_UPDATE_PAYLOADS", "7d", "how long the content of a handled incoming update (names, texts) is kept; the row stays, without it",
		func(c *Config) *time.Duration { return &c.Retention.UpdatePayloads }),
	retention("RETAIN_UPDATES", "30d", "how long a handled incoming update's row is kept",
		func(c *Config) *time.Duration { return &c.Retention.Updates }),
	retention("RETAIN_MESSAGE_TEXTS", "30d", "how long the text of a message the bot sent is kept in outbound_messages",
		func(c *Config) *time.Duration { return &c.Retention.MessageTexts }),
	retention("RETAIN_OUTBOX", "30d", "how long a finished (sent, failed, cancelled) outbox row is kept",
		func(c *Config) *time.Duration { return &c.Retention.Outbox }),
	retention("RETAIN_OUTSIDERS", "30d", "how long wrong invitation codes, outsiders' language choices and undecided requests for access are kept",
		func(c *Config) *time.Duration { return &c.Retention.Outsiders }),
	{Name: "CONFIDENTIAL_CONTENT", Default: "false",
		Help: "true: alert messages carry only their header and an Open button; the content opens as a Mini App from the console (needs CONSOLE_ADDR and an https CONSOLE_PUBLIC_URL)",
		apply: func(c *Config, v string) error {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false")
			}
			if on {
				if c.ConsoleAddr == "" {
					return fmt.Errorf("needs CONSOLE_ADDR: the content is served by the console")
				}
				public := c.ConsoleURL
				if public == "" {
					public = "http://" + c.ConsoleAddr
				}
				if err := checkWebhookURL(public + "/app"); err != nil {
					return fmt.Errorf("needs CONSOLE_PUBLIC_URL to be https (Telegram opens Mini Apps over TLS only), such as https://console.example.org")
				}
			}
			c.ConfidentialContent = on
			return nil
		}},
}

// checkWebhookURL accepts https URLs, as Telegram does, and http ones on the loopback
// interface, which only the emulator (tests, the sandbox) can post to.
func checkWebhookURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must be an https URL without query, such as https://bot.example.org/telegram")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("must be an https URL (Telegram posts only over TLS), such as https://bot.example.org/telegram")
}

// retention is a setting of a retention period: a duration such as 720h, or a number of days
// such as 30d; from one hour to ten years.
func retention(name, def, help string, field func(*Config) *time.Duration) setting {
	return setting{Name: name, Default: def, Help: help, apply: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok {
			var n int
			n, err = strconv.Atoi(days)
			d = time.Duration(n) * 24 * time.Hour
		}
		if err != nil || d < time.Hour || d > 10*365*24*time.Hour {
			return fmt.Errorf("must be a number of days such as 30d, or a duration such as 720h, from 1h to 3650d")
		}
		*field(c) = d
		return nil
	}}
}

// ConfigError names the variable at fault and how to fix it, in one line.
type ConfigError struct {
	Name    string
	Problem string
}

func (e *ConfigError) Error() string { return "configuration: " + e.Name + " " + e.Problem }

// LoadConfig reads every setting from getenv (os.Getenv in production). A secret may come from
// the file named by NAME_FILE instead. The names in required must end up non-empty.
func LoadConfig(getenv func(string) string, required ...string) (*Config, error) {
	c := &Config{}
	for _, s := range Settings {
		v, err := lookup(getenv, s)
		if err != nil {
			return nil, err
		}
		if v == "" {
			v = s.Default
		}
		if v == "" && slices.Contains(required, s.Name) {
			hint := "is not set: " + s.Help
			if s.Secret {
				hint += " (or name a file holding it in " + s.Name + "_FILE)"
			}
			return nil, &ConfigError{Name: s.Name, Problem: hint}
		}
		if err := s.apply(c, v); err != nil {
			return nil, &ConfigError{Name: s.Name, Problem: "is wrong: " + err.Error()}
		}
	}
	return c, nil
}

func lookup(getenv func(string) string, s setting) (string, error) {
	v := strings.TrimSpace(getenv(s.Name))
	if !s.Secret {
		return v, nil
	}
	file := getenv(s.Name + "_FILE")
	if file == "" {
		return v, nil
	}
	if v != "" {
		return "", &ConfigError{Name: s.Name, Problem: "and " + s.Name + "_FILE are both set: keep one"}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &ConfigError{Name: s.Name + "_FILE", Problem: "cannot be read: " + err.Error()}
	}
	return strings.TrimSpace(string(b)), nil
}

// LogValue lists the configuration for the start-up log, secrets masked.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("token_set", c.BotToken != ""),
		slog.String("api_url", c.APIURL),
		slog.String("database", redactURL(c.DatabaseURL)),
		slog.Int("admins", len(c.AdminIDs)),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("log_level", c.LogLevel.String()),
		slog.Bool("run_migrations", c.RunMigrations),
		slog.Duration("poll_timeout", c.PollTimeout),
		slog.Float64("send_rate", c.SendRate),
		slog.Bool("paid_broadcast", c.PaidBroadcast),
		slog.String("webhook_url", c.WebhookURL),
		slog.String("console_addr", c.ConsoleAddr),
		slog.Bool("confidential_content", c.ConfidentialContent),
	)
}

// redactURL keeps host and database of a connection URL and drops the password.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || v == "" {
		return ""
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

func tokenLooksRight(t string) bool {
	id, secret, ok := strings.Cut(t, ":")
	if !ok || id == "" || len(secret) < 5 {
		return false
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}
