package bot_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"focalbot/bot"
	"focalbot/bot/bottest"
)

// A stop (SIGTERM) lets the handler in flight finish before the bot returns.
func TestStopLetsInFlightHandlerFinish(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	h := bottest.Start(t, func(a *bot.App) {
		a.Command("work", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
			close(started)
			time.Sleep(500 * time.Millisecond)
			_, err := r.App.Send(ctx, r.ChatID, "reply", "work done", nil)
			return err
		})
	})
	u := h.TG.User(1200, "W", "en")
	u.SendText("/work")
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("handler never started")
	}
	h.Stop()
	if _, ok := u.LastMessage(); !ok {
		t.Fatal("the bot stopped without finishing the handler in flight")
	}
	var outcome string
	if err := h.Store.DB.Get(&outcome, `SELECT outcome FROM inbound_updates`); err != nil || outcome != "ok" {
		t.Fatalf("outcome = %q %v, want ok", outcome, err)
	}
}

// getUpdates failing (Telegram's 5xx) is retried with back-off; nothing is lost.
func TestPollingSurvivesTelegramErrors(t *testing.T) {
	t.Parallel()
	e := newEchoBot("through")
	h := bottest.Start(t, e.register)
	h.TG.FailNextOn("getUpdates", 3, 502)
	u := h.TG.User(1300, "P", "en")
	u.SendText("/echo through")
	if _, err := u.WaitForText("echo through", wait); err != nil {
		t.Fatal(err)
	}
}

// /healthz is 200 while the database answers and polls succeed, 503 while the database is
// read-only and once it is gone; /metrics has every series from start-up.
func TestHealthz(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, func(*bot.App) {})
	app := h.App()
	get := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		app.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	deadline := time.Now().Add(wait)
	for {
		code, body := get()
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz = %d %v, never healthy", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rec := httptest.NewRecorder()
	app.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	// Every documented series is there from start-up, at 0 before anything happened.
	for _, series := range []string{
		"focalbot_updates_received_total 0", `focalbot_updates_handled_total{outcome="failed"} 0`,
		`focalbot_messages_sent_total{result="error"} 0`,
		`focalbot_telegram_429_total{sender="dispatcher"} 0`, `focalbot_telegram_429_total{sender="interactive"} 0`,
		`focalbot_delivery_sent_total{priority="urgent"} 0`, "focalbot_delivery_retries_total 0",
		`focalbot_delivery_failed_total{reason="bad_request"} 0`, `focalbot_delivery_failed_total{reason="forbidden"} 0`,
		`focalbot_delivery_failed_total{reason="retries_exhausted"} 0`, `focalbot_delivery_failed_total{reason="render"} 0`,
		`focalbot_delivery_failed_total{reason="member"} 0`, `focalbot_outbox_depth{priority="routine"} 0`,
	} {
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), series+"\n") {
			t.Errorf("metrics = %d, missing %s", rec.Code, series)
		}
	}

	// The database turning read-only (as a standby, or by default_transaction_read_only).
	dbURL, err := url.Parse(h.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", h.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	readOnly := func(on bool) {
		t.Helper()
		if _, err := db.Exec(fmt.Sprintf(`ALTER DATABASE %s SET default_transaction_read_only = %v`,
			pq.QuoteIdentifier(strings.TrimPrefix(dbURL.Path, "/")), on)); err != nil {
			t.Fatal(err)
		}
		// Sessions take a database's settings when they start.
		if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
	}
	readOnly(true)
	waitFor := func(what string, ok func(int, map[string]any) bool) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for {
			code, body := get()
			if ok(code, body) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("healthz = %d %v, want %s", code, body, what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("503 read-only", func(code int, body map[string]any) bool {
		return code == http.StatusServiceUnavailable && body["database"] == "read-only"
	})
	readOnly(false)
	waitFor("200", func(code int, _ map[string]any) bool { return code == http.StatusOK })
	h.Stop()
	h.Store.Close()
	if code, body := get(); code != http.StatusServiceUnavailable || body["database"] != "unreachable" {
		t.Errorf("healthz with the database gone = %d %v, want 503 database unreachable", code, body)
	}
}

// A keyboard of ours passes Telegram's one-action-per-button check.
func TestKeyboardIsSpecClean(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, func(a *bot.App) {
		a.Command("kb", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
			kb := (&bot.Keyboard{}).Row(bot.Button{Text: "Yes", CallbackData: "yes:1"}, bot.Button{Text: "Docs", URL: "https://example.org"})
			_, err := r.App.Send(ctx, r.ChatID, "reply", "choose", kb)
			return err
		})
	})
	u := h.TG.User(1400, "K", "en")
	u.SendText("/kb")
	m, err := u.WaitForText("choose", wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Keyboard) != 1 || len(m.Keyboard[0]) != 2 || m.Keyboard[0][0].CallbackData != "yes:1" {
		t.Fatalf("keyboard = %+v", m.Keyboard)
	}
}

// /healthz answers 503 while more updates than HEALTH_MAX_BACKLOG wait unhandled.
func TestHealthzBacklog(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	h := bottest.Start(t, func(a *bot.App) {
		a.Command("slow", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
			started <- struct{}{}
			<-release
			return nil
		})
	})
	defer close(release)
	app := h.App()
	app.Config.HealthBacklog = 2
	u := h.TG.User(1250, "S", "en")
	for range 4 {
		u.SendText("/slow") // one chat: handled one after the other, the others wait
	}
	<-started
	deadline := time.Now().Add(wait)
	for {
		rec := httptest.NewRecorder()
		app.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code == http.StatusServiceUnavailable && body["backlog_limit"] == 2.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz = %d %v with 4 updates waiting, want 503 over the backlog limit 2", rec.Code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
