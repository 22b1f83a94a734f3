package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// /healthz is 200 while the database answers and polls succeed, 503 once the database is gone.
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
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "focalbot_updates_received_total") {
		t.Errorf("metrics = %d, missing focalbot_updates_received_total", rec.Code)
	}
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
