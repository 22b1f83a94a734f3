package bot_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	c, err := bot.LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "https://api.telegram.org" || c.HTTPAddr != "127.0.0.1:8080" || !c.RunMigrations || c.PollTimeout != 30*time.Second ||
		c.SendRate != 30 || c.PaidBroadcast || c.MaxAttempts != 8 || c.AlertAckTimeout != 30*time.Minute {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		required []string
		wantVar  string
	}{
		{"token required", nil, []string{"TELEGRAM_BOT_TOKEN"}, "TELEGRAM_BOT_TOKEN"},
		{"malformed token", map[string]string{"TELEGRAM_BOT_TOKEN": "nonsense"}, nil, "TELEGRAM_BOT_TOKEN"},
		{"database required", map[string]string{"TELEGRAM_BOT_TOKEN": "1:abcdef"}, []string{"TELEGRAM_BOT_TOKEN", "DATABASE_URL"}, "DATABASE_URL"},
		{"database not a URL", map[string]string{"DATABASE_URL": "mysql://x"}, nil, "DATABASE_URL"},
		{"admin ids", map[string]string{"ADMIN_TELEGRAM_IDS": "12,abc"}, nil, "ADMIN_TELEGRAM_IDS"},
		{"negative admin id", map[string]string{"ADMIN_TELEGRAM_IDS": "-5"}, nil, "ADMIN_TELEGRAM_IDS"},
		{"http addr", map[string]string{"HTTP_ADDR": "8080"}, nil, "HTTP_ADDR"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, nil, "LOG_LEVEL"},
		{"poll timeout too long", map[string]string{"POLL_TIMEOUT": "60s"}, nil, "POLL_TIMEOUT"},
		{"api url", map[string]string{"TELEGRAM_API_URL": "ftp://x"}, nil, "TELEGRAM_API_URL"},
		{"alert ack timeout", map[string]string{"ALERT_ACK_TIMEOUT": "5s"}, nil, "ALERT_ACK_TIMEOUT"},
		{"send rate over 30 without paid broadcast", map[string]string{"SEND_RATE": "100"}, nil, "SEND_RATE"},
		{"send rate over 1000", map[string]string{"SEND_RATE": "1001", "ALLOW_PAID_BROADCAST": "true"}, nil, "SEND_RATE"},
		{"paid broadcast not a bool", map[string]string{"ALLOW_PAID_BROADCAST": "maybe"}, nil, "ALLOW_PAID_BROADCAST"},
		{"max attempts", map[string]string{"DELIVERY_MAX_ATTEMPTS": "0"}, nil, "DELIVERY_MAX_ATTEMPTS"},
		{"webhook over http", map[string]string{"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": strings.Repeat("a", 32)}, nil, "WEBHOOK_URL"},
		{"webhook without secret", map[string]string{"WEBHOOK_URL": "https://bot.example.org/hook"}, nil, "WEBHOOK_SECRET"},
		{"webhook secret short", map[string]string{"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": strings.Repeat("a", 31)}, nil, "WEBHOOK_SECRET"},
		{"webhook secret alphabet", map[string]string{"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": strings.Repeat("a", 31) + "!"}, nil, "WEBHOOK_SECRET"},
		{"webhook addr", map[string]string{"WEBHOOK_ADDR": "8081"}, nil, "WEBHOOK_ADDR"},
		{"secret twice", map[string]string{"TELEGRAM_BOT_TOKEN": "1:abcdef", "TELEGRAM_BOT_TOKEN_FILE": "/x"}, nil, "TELEGRAM_BOT_TOKEN"},
		{"secret file missing", map[string]string{"TELEGRAM_BOT_TOKEN_FILE": "/no/such/file"}, nil, "TELEGRAM_BOT_TOKEN_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.LoadConfig(env(tt.env), tt.required...)
			var ce *bot.ConfigError
			if !errors.As(err, &ce) || ce.Name != tt.wantVar {
				t.Fatalf("err = %v, want a ConfigError naming %s", err, tt.wantVar)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			if v := tt.env["TELEGRAM_BOT_TOKEN"]; v != "" && strings.Contains(err.Error(), v) {
				t.Errorf("error shows the secret: %q", err)
			}
		})
	}
}

func TestLoadConfigWebhook(t *testing.T) {
	secret := strings.Repeat("s", 32)
	for _, u := range []string{"https://bot.example.org/telegram", "http://127.0.0.1:9000/hook", "http://localhost/hook"} {
		c, err := bot.LoadConfig(env(map[string]string{"WEBHOOK_URL": u, "WEBHOOK_SECRET": secret, "WEBHOOK_ADDR": "0.0.0.0:8081"}))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if c.WebhookURL != u || c.WebhookSecret != secret || c.WebhookAddr != "0.0.0.0:8081" {
			t.Errorf("%s: config = %+v", u, c)
		}
	}
	c, err := bot.LoadConfig(env(nil))
	if err != nil || c.WebhookURL != "" || c.WebhookAddr != "127.0.0.1:8081" {
		t.Errorf("without WEBHOOK_URL: %+v, %v", c, err)
	}
}

func TestLoadConfigSecretFromFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("123456:secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := bot.LoadConfig(env(map[string]string{"TELEGRAM_BOT_TOKEN_FILE": f, "ADMIN_TELEGRAM_IDS": " 5, 6 ,"}), "TELEGRAM_BOT_TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	if c.BotToken != "123456:secret-token" || len(c.AdminIDs) != 2 || c.AdminIDs[1] != 6 {
		t.Errorf("config = %+v", c)
	}
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	c, err := bot.LoadConfig(env(map[string]string{
		"TELEGRAM_BOT_TOKEN": "123456:very-secret", "DATABASE_URL": "postgres://u:hunter2@db/focalbot?sslmode=disable",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.LogValue().String()
	if strings.Contains(s, "very-secret") || strings.Contains(s, "hunter2") {
		t.Errorf("log value shows a secret: %s", s)
	}
}
