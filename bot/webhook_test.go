package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

const testSecret = "0123456789abcdef0123456789abcdef-webhook_secret"

// balancer is the load balancer (or TLS proxy) in front of the instances: Telegram (the
// emulator) posts to it, it forwards round-robin to the instances whose webhook listens and
// passes the answer back. An instance that does not answer is skipped, as by a balancer's
// health checks. intercept, when set, sees each answer first and may replace its status.
type balancer struct {
	srv       *httptest.Server
	mu        sync.Mutex
	backends  []func() *bot.App
	next      int
	intercept func(updateBody []byte, status int) int
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{}
	b.srv = httptest.NewServer(b)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *balancer) add(app func() *bot.App) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = append(b.backends, app)
}

// url is WEBHOOK_URL: the balancer's address with the webhook's path.
func (b *balancer) url() string { return b.srv.URL + "/telegram/hook" }

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	n := len(b.backends)
	start := b.next
	b.next++
	backends := append([]func() *bot.App(nil), b.backends...)
	intercept := b.intercept
	b.mu.Unlock()
	for i := range n {
		app := backends[(start+i)%n]()
		if app == nil || app.WebhookAddr() == "" {
			continue
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+app.WebhookAddr()+r.URL.Path, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // that instance is down: the next one
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status := resp.StatusCode
		if intercept != nil {
			status = intercept(body, status)
		}
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(http.StatusBadGateway)
}

// webhookConfig puts a harness's bot in webhook mode behind lb.
func webhookConfig(lb *balancer) func(*bot.Config) {
	return func(c *bot.Config) {
		c.WebhookURL = lb.url()
		c.WebhookSecret = testSecret
		c.WebhookAddr = "127.0.0.1:0"
	}
}

func storedUpdates(t *testing.T, h *bottest.Harness) (all, handled int) {
	t.Helper()
	err := h.Store.DB.QueryRowContext(context.Background(),
		`SELECT count(*), count(handled_at) FROM inbound_updates`).Scan(&all, &handled)
	if err != nil {
		t.Fatal(err)
	}
	return all, handled
}

// Two instances behind a balancer, by webhook: each receives some of the updates and stores
// them; the lease holder handles them in each chat's order; when it stops, the other takes
// over, and the order still holds.
func TestWebhookTwoInstancesKeepChatOrder(t *testing.T) {
	t.Parallel()
	lb := newBalancer(t)
	e := newEchoBot()
	h := bottest.StartWith(t, e.register, webhookConfig(lb))
	ctx, cancel := context.WithCancel(context.Background())
	second, err := bot.New(ctx, h.Config, h.Store, bottest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	second.Clock = h.Clock
	e.register(second)
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	var once sync.Once
	var secondGone atomic.Bool
	stopSecond := func() { once.Do(func() { secondGone.Store(true); cancel(); <-done }) }
	defer stopSecond()
	lb.add(h.App)
	lb.add(func() *bot.App {
		if secondGone.Load() {
			return nil
		}
		return second
	})

	waitUntil(t, "the webhook set and both instances listening", func() bool {
		return h.TG.WebhookURL() == lb.url() && h.App().WebhookAddr() != "" && second.WebhookAddr() != ""
	})
	if got := h.TG.WebhookSecret(); got != testSecret {
		t.Fatalf("setWebhook secret_token = %q", got)
	}
	waitUntil(t, "one instance holding the lease", func() bool { return h.App().Polling() || second.Polling() })

	users := []*telegramtest.User{h.TG.User(1700, "A", "en"), h.TG.User(1701, "B", "en")}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			for _, u := range users {
				u.SendText(fmt.Sprintf("/echo %d", i))
			}
		}
	}
	send(0, 10)
	if h.App().Polling() {
		h.Stop()
	} else {
		stopSecond()
	}
	send(10, 20)
	for _, u := range users {
		msgs, err := u.WaitFor(wait, func(m []telegramtest.Message) bool { return len(echoes(m)) >= 20 })
		if err != nil {
			t.Fatalf("%v: got %d answers", err, len(echoes(msgs)))
		}
		got := echoes(msgs)
		if len(got) != 20 {
			t.Fatalf("%d answers, want 20: %v", len(got), got)
		}
		for i, g := range got {
			if want := fmt.Sprint(i); g != want {
				t.Fatalf("answer %d is %q, want %q: order lost (%v)", i, g, want, got)
			}
		}
	}
	// Both instances received updates: the balancer spread them.
	var status200 int
	for _, a := range h.TG.WebhookAttempts() {
		if a.Status == http.StatusOK {
			status200++
		}
	}
	if status200 != 40 {
		t.Errorf("%d updates accepted, want 40", status200)
	}
}

// A request without the secret, or with another, gets 401 and is not stored; the emulator
// posts it again until the right secret comes, and it is then handled once.
func TestWebhookSecretRequired(t *testing.T) {
	t.Parallel()
	lb := newBalancer(t)
	e := newEchoBot("guarded")
	h := bottest.StartWith(t, e.register, webhookConfig(lb))
	lb.add(h.App)
	waitUntil(t, "the webhook set", func() bool { return h.TG.WebhookURL() == lb.url() && h.App().WebhookAddr() != "" })

	u := h.TG.User(1710, "S", "en")
	for _, mode := range []telegramtest.SecretMode{telegramtest.SecretWrong, telegramtest.SecretMissing} {
		h.TG.SetWebhookSecretMode(mode)
		before := len(h.TG.WebhookAttempts())
		if mode == telegramtest.SecretWrong {
			u.SendText("/echo guarded")
		}
		waitUntil(t, "two refused attempts", func() bool {
			var refused int
			for _, a := range h.TG.WebhookAttempts()[before:] {
				if a.Status != http.StatusUnauthorized {
					t.Fatalf("mode %d: attempt answered %d, want 401", mode, a.Status)
				}
				refused++
			}
			return refused >= 2
		})
		if all, _ := storedUpdates(t, h); all != 0 {
			t.Fatalf("mode %d: %d updates stored, want none", mode, all)
		}
	}
	h.TG.SetWebhookSecretMode(telegramtest.SecretRight)
	if _, err := u.WaitForText("echo guarded", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the update marked handled", func() bool { _, handled := storedUpdates(t, h); return handled == 1 })
	if n := e.handled["guarded"].Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}

	// Straight at the instance: only POST on the webhook's path, the body bounded.
	base := "http://" + h.App().WebhookAddr()
	post := func(path, secret string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	resp, err := http.Get(base + "/telegram/hook")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if c := post("/other", testSecret, []byte(`{}`)); c != http.StatusNotFound {
		t.Errorf("another path: %d, want 404", c)
	}
	if c := post("/telegram/hook", testSecret[1:]+"x", []byte(`{"update_id":99}`)); c != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", c)
	}
	big := []byte(`{"update_id":98,"message":{"text":"` + strings.Repeat("x", 2<<20) + `"}}`)
	if c := post("/telegram/hook", testSecret, big); c != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d, want 413", c)
	}
	if all, _ := storedUpdates(t, h); all != 1 {
		t.Errorf("%d updates stored, want only the one with the right secret", all)
	}
}

// The instance stores an update and stops before Telegram gets the answer (the balancer
// loses it, as when the process dies after the store): Telegram posts the update again, to the
// restarted instance, and it is handled once.
func TestWebhookCrashBeforeAnswerHandledOnce(t *testing.T) {
	t.Parallel()
	lb := newBalancer(t)
	e := newEchoBot("crash")
	h := bottest.StartWith(t, e.register, webhookConfig(lb))
	lb.add(h.App)
	waitUntil(t, "the webhook set", func() bool { return h.TG.WebhookURL() == lb.url() && h.App().WebhookAddr() != "" })

	var crashed, gone atomic.Bool
	lb.mu.Lock()
	lb.intercept = func(body []byte, status int) int {
		if status == http.StatusOK && bytes.Contains(body, []byte("/echo crash")) && crashed.CompareAndSwap(false, true) {
			h.Stop() // stored, answered 200, and gone before the answer left
			gone.Store(true)
			return http.StatusBadGateway
		}
		return status
	}
	lb.mu.Unlock()

	u := h.TG.User(1720, "C", "en")
	u.SendText("/echo crash")
	// Run again only once the stop is over: a Run while it lasts would race it for the harness.
	waitUntil(t, "the instance gone after storing", func() bool { return gone.Load() })
	if all, _ := storedUpdates(t, h); all != 1 {
		t.Fatalf("%d updates stored before the answer, want 1", all)
	}
	h.Run()
	if _, err := u.WaitForText("echo crash", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the redelivery accepted", func() bool { return h.TG.PendingUpdates() == 0 })
	waitUntil(t, "the update marked handled", func() bool { _, handled := storedUpdates(t, h); return handled == 1 })
	if posts := len(h.TG.WebhookAttempts()); posts < 2 {
		t.Errorf("the update was posted %d times, want at least 2 (the lost answer, then the redelivery)", posts)
	}
	msgs := u.Messages()
	if got := echoes(msgs); len(got) != 1 {
		t.Errorf("answers %v, want exactly one", got)
	}
	if n := e.handled["crash"].Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
	if all, _ := storedUpdates(t, h); all != 1 {
		t.Errorf("%d updates stored, want 1", all)
	}
}

// Back from webhook to polling: the start without WEBHOOK_URL deletes the webhook, and the
// updates Telegram kept come by getUpdates.
func TestWebhookToPollingDeletesWebhook(t *testing.T) {
	t.Parallel()
	lb := newBalancer(t)
	e := newEchoBot("polled")
	h := bottest.StartWith(t, e.register, webhookConfig(lb))
	lb.add(h.App)
	waitUntil(t, "the webhook set", func() bool { return h.TG.WebhookURL() == lb.url() })
	h.Stop()
	u := h.TG.User(1730, "P", "en")
	u.SendText("/echo polled") // waits at Telegram: the balancer has no instance
	h.Config.WebhookURL = ""
	h.Run()
	if _, err := u.WaitForText("echo polled", wait); err != nil {
		t.Fatal(err)
	}
	if url := h.TG.WebhookURL(); url != "" {
		t.Errorf("webhook still set to %q", url)
	}
	if n := e.handled["polled"].Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}

// The database out of reach: the webhook cannot store the update, so it does not answer 200
// and Telegram keeps it; once the database is back the update is stored and handled once.
func TestWebhookNotAcknowledgedUntilStored(t *testing.T) {
	t.Parallel()
	lb := newBalancer(t)
	e := newEchoBot("kept")
	h := bottest.StartWith(t, e.register, webhookConfig(lb))
	lb.add(h.App)
	waitUntil(t, "the webhook set", func() bool { return h.TG.WebhookURL() == lb.url() && h.App().WebhookAddr() != "" })
	h.CutDatabase()
	restored := false
	defer func() {
		if !restored {
			h.RestoreDatabase()
		}
	}()
	u := h.TG.User(1740, "K", "en")
	u.SendText("/echo kept")
	waitUntil(t, "two refused attempts", func() bool {
		var refused int
		for _, a := range h.TG.WebhookAttempts() {
			if a.Status == http.StatusOK {
				t.Fatal("the webhook answered 200 without the database")
			}
			refused++
		}
		return refused >= 2
	})
	h.RestoreDatabase()
	restored = true
	if _, err := u.WaitForText("echo kept", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the update marked handled", func() bool { _, handled := storedUpdates(t, h); return handled == 1 })
	if n := e.handled["kept"].Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}
