package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"focalbot/bot"
	"focalbot/bot/store"
)

// doctor checks what a running bot depends on and prints one line per check: ok, warn (works,
// but look) or FAIL, with what to do. It returns an error (exit 1) when a check failed.
//
//	ok    token: @ccp_alerts_bot (id 7000000001)
//	FAIL  database: … — is PostgreSQL running, and is DATABASE_URL right?
type doctor struct {
	out    io.Writer
	failed int
}

func (d *doctor) line(level, check, format string, args ...any) {
	if level == "FAIL" {
		d.failed++
	}
	fmt.Fprintf(d.out, "%-5s %s: %s\n", level, check, fmt.Sprintf(format, args...))
}

// tgAnswer is a Bot API answer, read by hand so the Date header comes with it.
type tgAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	date        time.Time
	took        time.Duration
}

// call asks the Bot API; errors never carry the URL, which holds the token.
func call(ctx context.Context, cfg *bot.Config, method string) (*tgAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.APIURL+"/bot"+cfg.BotToken+"/"+method, nil)
	if err != nil {
		return nil, errors.New("bad TELEGRAM_API_URL")
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			return nil, ue.Unwrap()
		}
		return nil, errors.New("request failed")
	}
	defer resp.Body.Close()
	var a tgAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil {
		return nil, fmt.Errorf("HTTP %d, undecodable answer", resp.StatusCode)
	}
	a.took = time.Since(start)
	a.date, _ = http.ParseTime(resp.Header.Get("Date"))
	return &a, nil
}

func runDoctor(ctx context.Context, getenv func(string) string, out io.Writer) error {
	d := &doctor{out: out}
	cfg, err := bot.LoadConfig(getenv, "TELEGRAM_BOT_TOKEN", "DATABASE_URL")
	if err != nil {
		d.line("FAIL", "config", "%v", err)
		return errors.New("doctor: the configuration must be fixed first")
	}
	mode := "polling"
	if cfg.WebhookURL != "" {
		mode = "webhook " + cfg.WebhookURL
	}
	d.line("ok", "config", "read from the environment; updates by %s", mode)

	var telegramDate time.Time
	var telegramTook time.Duration
	me, err := call(ctx, cfg, "getMe")
	switch {
	case err != nil:
		d.line("FAIL", "token", "Telegram (%s) not reachable: %v — check outbound HTTPS from this host (proxy, firewall, DNS)", cfg.APIURL, err)
	case !me.OK && (me.ErrorCode == http.StatusUnauthorized || me.ErrorCode == http.StatusNotFound):
		d.line("FAIL", "token", "Telegram refuses TELEGRAM_BOT_TOKEN (%d %s) — copy it again from @BotFather; after /revoke only the new one works", me.ErrorCode, me.Description)
	case !me.OK:
		d.line("FAIL", "token", "getMe: %d %s — retry; if it persists see https://t.me/BotNews", me.ErrorCode, me.Description)
	default:
		var u struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		}
		_ = json.Unmarshal(me.Result, &u)
		d.line("ok", "token", "@%s (id %d), Telegram answered in %s", u.Username, u.ID, me.took.Round(time.Millisecond))
		telegramDate, telegramTook = me.date, me.took
	}
	if me != nil && me.OK {
		d.webhook(ctx, cfg)
	}

	st, err := store.Open(ctx, cfg.DatabaseURL, 5*time.Second)
	if err != nil {
		d.line("FAIL", "database", "%v — is PostgreSQL running, and is DATABASE_URL right (host, user, password, database, sslmode)?", err)
	} else {
		defer st.Close()
		d.line("ok", "database", "connected")
		d.migrations(ctx, st, cfg)
	}
	d.clock(ctx, st, telegramDate, telegramTook)
	if st != nil {
		d.leases(ctx, st)
	}
	if d.failed > 0 {
		return fmt.Errorf("doctor: %d check(s) failed", d.failed)
	}
	return nil
}

func (d *doctor) webhook(ctx context.Context, cfg *bot.Config) {
	a, err := call(ctx, cfg, "getWebhookInfo")
	if err != nil || !a.OK {
		d.line("warn", "webhook", "getWebhookInfo failed: %v — retry", describe(a, err))
		return
	}
	var info struct {
		URL              string `json:"url"`
		Pending          int    `json:"pending_update_count"`
		LastErrorDate    int64  `json:"last_error_date"`
		LastErrorMessage string `json:"last_error_message"`
	}
	_ = json.Unmarshal(a.Result, &info)
	switch {
	case cfg.WebhookURL == "" && info.URL == "":
		d.line("ok", "webhook", "none set: updates by polling (%d waiting at Telegram)", info.Pending)
	case cfg.WebhookURL == "":
		d.line("warn", "webhook", "Telegram has a webhook (%s) but WEBHOOK_URL is unset — `focalbot run` deletes it at start; until then polling gets 409", info.URL)
	case info.URL == "":
		d.line("warn", "webhook", "not set at Telegram yet — `focalbot run` sets it at start")
	case info.URL != cfg.WebhookURL:
		d.line("warn", "webhook", "Telegram posts to %s, not WEBHOOK_URL — `focalbot run` sets it at start; if it comes back, another deployment uses this token", info.URL)
	case info.LastErrorDate != 0 && time.Since(time.Unix(info.LastErrorDate, 0)) < time.Hour:
		d.line("warn", "webhook", "set; Telegram's last error %s ago: %q (%d updates waiting) — check the TLS proxy in front of WEBHOOK_ADDR and that an instance runs",
			time.Since(time.Unix(info.LastErrorDate, 0)).Round(time.Second), info.LastErrorMessage, info.Pending)
	default:
		d.line("ok", "webhook", "set to WEBHOOK_URL, %d updates waiting at Telegram", info.Pending)
	}
}

func describe(a *tgAnswer, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %s", a.ErrorCode, a.Description)
}

func (d *doctor) migrations(ctx context.Context, st *store.Store, cfg *bot.Config) {
	current, latest, err := st.MigrationVersions(ctx)
	switch {
	case err != nil:
		d.line("FAIL", "migrations", "%v — does the DATABASE_URL role own the schema?", err)
	case current < latest:
		hint := "`focalbot run` applies them at start"
		if !cfg.RunMigrations {
			hint = "RUN_MIGRATIONS=false: run `focalbot migrate`"
		}
		d.line("warn", "migrations", "the database is at %d, this build at %d — %s", current, latest, hint)
	case current > latest:
		d.line("warn", "migrations", "the database is at %d, newer than this build (%d) — fine during a rolling upgrade (migrations only add); upgrade this binary", current, latest)
	default:
		d.line("ok", "migrations", "at %d, this build's latest", current)
	}
}

// clock compares this machine's clock with the database's and Telegram's: reminders and the
// leases' timings assume they agree.
func (d *doctor) clock(ctx context.Context, st *store.Store, telegram time.Time, took time.Duration) {
	var notes []string
	level := "ok"
	if st != nil {
		before := time.Now()
		db, err := st.Clock(ctx)
		after := time.Now()
		if err != nil {
			notes = append(notes, "database clock unread: "+err.Error())
			level = "warn"
		} else {
			// Compared with the middle of the round trip: off by at most half of it.
			rtt := after.Sub(before)
			skew := db.Sub(before.Add(rtt / 2))
			notes = append(notes, fmt.Sprintf("database %+.3fs", skew.Seconds()))
			if skew.Abs() > time.Second+rtt/2 {
				level = "warn"
			}
		}
	}
	if !telegram.IsZero() {
		// Date has whole seconds: only a difference beyond the request time and a second counts.
		skew := telegram.Sub(time.Now().Add(-took / 2))
		notes = append(notes, fmt.Sprintf("Telegram %+ds", int(skew.Round(time.Second).Seconds())))
		if skew.Abs() > 5*time.Second+took {
			level = "warn"
		}
	}
	if len(notes) == 0 {
		d.line("warn", "clock", "nothing to compare with")
		return
	}
	what := strings.Join(notes, ", ")
	if level == "warn" {
		d.line("warn", "clock", "%s off this machine's — keep clocks in sync (timedatectl set-ntp true, or chrony)", what)
		return
	}
	d.line("ok", "clock", "%s from this machine's", what)
}

func (d *doctor) leases(ctx context.Context, st *store.Store) {
	held, err := bot.UpdateLeaseHeld(ctx, st)
	if err != nil {
		d.line("warn", "leases", "not read: %v", err)
		return
	}
	holder, age, herr := st.SenderHeartbeat(ctx)
	sender := "no instance has sent yet"
	if herr == nil {
		sender = fmt.Sprintf("sender %s, last heartbeat %s ago", holder, age.Round(100*time.Millisecond))
	} else if !errors.Is(herr, store.ErrNotFound) {
		sender = "sender not read: " + herr.Error()
	}
	switch {
	case !held:
		d.line("warn", "leases", "no instance holds the update lease (%s) — is `focalbot run` running? (systemctl status focalbot, docker compose ps)", sender)
	case herr == nil && age > 10*time.Second:
		d.line("warn", "leases", "an instance holds the update lease but the %s — look at its log", sender)
	default:
		d.line("ok", "leases", "an instance holds the update lease; %s", sender)
	}
}
