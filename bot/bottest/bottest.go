// Package bottest runs the whole bot for end-to-end tests: a fresh database from storetest, the
// Bot API emulator from telegramtest, and the real go-telegram/bot client between them.
package bottest

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
)

// Harness is a running bot with its emulator and database.
type Harness struct {
	T        testing.TB
	TG       *telegramtest.Server
	Store    *store.Store
	DBURL    string
	Config   *bot.Config
	Register func(*bot.App)
	Clock    *bot.FakeClock // the bot's clock; jobs run only when RunJobs is called

	mu     sync.Mutex
	app    *bot.App
	cancel context.CancelFunc
	done   chan error

	// warnings are the messages logged at Warn or above, for Warnings. A lock of their own:
	// the bot logs while Stop holds mu and waits for it.
	warnMu   sync.Mutex
	warnings []string
}

// Start runs a bot whose handlers are added by register (handlers.Register for the real bot).
// Admins lists Telegram user IDs made admins, as ADMIN_TELEGRAM_IDS does.
func Start(t testing.TB, register func(*bot.App), admins ...int64) *Harness {
	t.Helper()
	return StartWith(t, register, nil, admins...)
}

// StartWith is Start with the configuration changed by configure (when not nil) before the
// bot starts: webhook mode, for one.
func StartWith(t testing.TB, register func(*bot.App), configure func(*bot.Config), admins ...int64) *Harness {
	t.Helper()
	st, dbURL := storetest.New(t)
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	cfg, err := bot.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.BotToken = srv.Token()
	cfg.APIURL = srv.URL()
	cfg.DatabaseURL = dbURL
	cfg.AdminIDs = admins
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.PollTimeout = time.Second // short, so a stop does not wait on a long poll
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.NoJobs = true
	// Conversations, not pacing, are under test here: no one-message-per-second per chat
	// (bot/delivery tests Telegram's limits against the emulator enforcing them).
	cfg.SendLimits = &delivery.Limits{PerSecond: 1000}
	// Scripts type faster than people: the inbound budget (bot/abuse.go) is tested on its own.
	cfg.InboundBurst = 1000
	clock := bot.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if configure != nil {
		configure(cfg)
	}
	h := &Harness{T: t, TG: srv, Store: st, DBURL: dbURL, Config: cfg, Register: register, Clock: clock}
	h.Run()
	t.Cleanup(h.Stop)
	return h
}

// Logger is where the bots of tests log: nowhere, unless FOCALBOT_TEST_LOG=1.
func Logger() *slog.Logger {
	if os.Getenv("FOCALBOT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Warnings returns the messages the bot logged at Warn level or above so far, oldest first.
func (h *Harness) Warnings() []string {
	h.warnMu.Lock()
	defer h.warnMu.Unlock()
	return append([]string(nil), h.warnings...)
}

// warnRecorder passes records on to next and keeps the message of each at Warn or above.
type warnRecorder struct {
	next slog.Handler
	h    *Harness
}

func (w *warnRecorder) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || w.next.Enabled(ctx, l)
}

func (w *warnRecorder) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		w.h.warnMu.Lock()
		w.h.warnings = append(w.h.warnings, r.Message)
		w.h.warnMu.Unlock()
	}
	if w.next.Enabled(ctx, r.Level) {
		return w.next.Handle(ctx, r)
	}
	return nil
}

func (w *warnRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnRecorder{next: w.next.WithAttrs(as), h: w.h}
}

func (w *warnRecorder) WithGroup(name string) slog.Handler {
	return &warnRecorder{next: w.next.WithGroup(name), h: w.h}
}

// Run starts the bot (again, after Stop) on the same database and emulator.
func (h *Harness) Run() {
	h.T.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := bot.New(ctx, h.Config, h.Store, slog.New(&warnRecorder{next: Logger().Handler(), h: h}))
	if err != nil {
		cancel()
		h.T.Fatal(err)
	}
	app.Clock = h.Clock
	h.Register(app)
	h.app, h.cancel, h.done = app, cancel, make(chan error, 1)
	go func() { h.done <- app.Run(ctx) }()
}

// App is the running bot.
func (h *Harness) App() *bot.App {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.app
}

// Stop stops the bot gracefully, as SIGTERM does, and waits for it. Stopping twice is fine.
func (h *Harness) Stop() {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.cancel = nil
	h.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			h.T.Errorf("bot stopped with error: %v", err)
		}
	case <-time.After(20 * time.Second):
		h.T.Errorf("bot did not stop within 20 s")
	}
}

// Restart stops the bot and starts a new one on the same database and emulator.
func (h *Harness) Restart() {
	h.Stop()
	h.Run()
}

// RunJobs runs the bot's periodic jobs once at the fake clock's time and waits for them.
func (h *Harness) RunJobs() { h.App().RunJobs(context.Background()) }

// Advance moves the fake clock forward by d and runs the jobs.
func (h *Harness) Advance(d time.Duration) {
	h.Clock.Advance(d)
	h.RunJobs()
}

// CutDatabase makes the test's database unreachable, as an outage does, without touching the
// other tests' databases on the same server: it stops accepting connections and the open ones
// are terminated. RestoreDatabase ends the outage.
func (h *Harness) CutDatabase() {
	h.T.Helper()
	name := h.dbName()
	h.adminExec(`ALTER DATABASE ` + pq.QuoteIdentifier(name) + ` ALLOW_CONNECTIONS false`)
	// A connection whose start-up had passed the check before the ALTER may not show in
	// pg_stat_activity yet when the first terminate runs, and would survive the outage (an
	// instance holding it took the lease while the others could not reach the database): the
	// terminate is repeated until no backend of the database is seen three times running.
	db, err := sql.Open("postgres", storetest.ServerURL(h.T))
	if err != nil {
		h.T.Fatal(err)
	}
	defer db.Close()
	for clear, deadline := 0, time.Now().Add(10*time.Second); clear < 3; {
		if time.Now().After(deadline) {
			h.T.Fatalf("bottest: connections to %s still open after the cut", name)
		}
		var n int
		if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()`, name).Scan(&n); err != nil {
			h.T.Fatalf("bottest: cut %s: %v", name, err)
		}
		if n == 0 {
			clear++
		} else {
			clear = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RestoreDatabase ends an outage begun by CutDatabase.
func (h *Harness) RestoreDatabase() {
	h.T.Helper()
	h.adminExec(`ALTER DATABASE ` + pq.QuoteIdentifier(h.dbName()) + ` ALLOW_CONNECTIONS true`)
}

func (h *Harness) dbName() string {
	u, err := url.Parse(h.DBURL)
	if err != nil || u.Path == "" {
		h.T.Fatalf("bottest: database name of %q", h.DBURL)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func (h *Harness) adminExec(stmt string) {
	h.T.Helper()
	db, err := sql.Open("postgres", storetest.ServerURL(h.T))
	if err != nil {
		h.T.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		h.T.Fatalf("bottest: %s: %v", stmt, err)
	}
}
