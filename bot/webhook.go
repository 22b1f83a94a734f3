package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/lib/pq"

	"focalbot/bot/store"
)

// Webhook mode (WEBHOOK_URL set). Telegram posts each update to WEBHOOK_URL; a reverse proxy
// ends TLS and passes it to WEBHOOK_ADDR on any instance. The instance that receives an update
// checks the secret header, stores the update in inbound_updates (as the poller does) and only
// then answers 200: an update whose answer was lost, or whose instance crashed before
// answering, is posted again by Telegram and dropped as a duplicate by the store.
//
// Handling stays with one instance, the holder of the lease that would otherwise poll: it
// handles the stored updates in update_id order, woken by a NOTIFY on store.InboundChannel
// from whichever instance stored one, and every inboxSweep in case a notice was missed. The
// webhook is set with max_connections 1: Telegram posts the next update only after the previous
// one was answered, and the answer comes after the store, so updates are stored, and handled,
// in order. (More connections would let two updates of one chat race to be stored.)

// webhookBodyLimit bounds a request's body: an update is a few kilobytes at most.
const webhookBodyLimit = 1 << 20

// inboxSweep is how often the lease holder looks for stored updates without a notice.
const inboxSweep = 2 * time.Second

// secretHeader is where Telegram puts setWebhook's secret_token.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// webhookPath is the path Telegram posts to: that of WEBHOOK_URL, "/" when it has none.
func webhookPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// WebhookHandler serves the webhook: POST only, the secret compared in constant time, the
// body bounded, the update stored before 200.
func (a *App) WebhookHandler() http.Handler {
	path := webhookPath(a.Config.WebhookURL)
	secret := []byte(a.Config.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(secretHeader))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			a.ops.webhookRejected.Inc()
			a.Log.Warn("webhook request without the right secret refused", "remote", r.RemoteAddr, "secret_sent", len(got) > 0)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookBodyLimit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				a.Log.Error("webhook request over the body limit refused", "limit", webhookBodyLimit)
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		var u models.Update
		if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
			// As the poller does: dropped, or Telegram would post it again for hours.
			a.Log.Error("undecodable update dropped", "err", err, "payload", string(body))
			w.WriteHeader(http.StatusOK)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		fresh, err := a.Store.SaveUpdate(ctx, store.InboundUpdate{UpdateID: u.ID, ChatID: chatOf(&u), Kind: kindOf(&u), Payload: body})
		if err != nil {
			// Not stored: Telegram posts it again later. Its sender is told to wait meanwhile.
			a.Log.Warn("update received by webhook not stored; Telegram will post it again", "update_id", u.ID, "err", err)
			go a.notSaved(context.WithoutCancel(ctx), []*models.Update{&u})
			http.Error(w, "not stored", http.StatusServiceUnavailable)
			return
		}
		if fresh {
			a.metrics.updatesReceived.Inc()
		} else {
			a.metrics.updatesDuplicate.Inc()
		}
		w.WriteHeader(http.StatusOK)
	})
}

// startWebhook listens on WEBHOOK_ADDR and then registers the webhook with Telegram; in
// polling mode it deletes a webhook left set, or getUpdates would answer 409. The returned
// function stops the listener.
func (a *App) startWebhook(ctx context.Context, errs chan<- error) (stop func(), err error) {
	if a.Config.WebhookURL == "" {
		return func() {}, a.deleteWebhookLeft(ctx)
	}
	ln, err := net.Listen("tcp", a.Config.WebhookAddr)
	if err != nil {
		return nil, fmt.Errorf("webhook on %s: %w", a.Config.WebhookAddr, err)
	}
	addr := ln.Addr().String()
	a.webhookAddr.Store(&addr)
	srv := &http.Server{Handler: a.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case errs <- fmt.Errorf("webhook on %s: %w", a.Config.WebhookAddr, err):
			default:
			}
		}
	}()
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	if err := a.setWebhook(ctx); err != nil {
		stop()
		return nil, err
	}
	a.Log.Info("receiving updates by webhook", "url", a.Config.WebhookURL, "listen", ln.Addr().String())
	return stop, nil
}

// WebhookAddr is the address the webhook listens on ("" before it does, or in polling mode):
// WEBHOOK_ADDR with the port chosen when it asked for port 0.
func (a *App) WebhookAddr() string {
	if p := a.webhookAddr.Load(); p != nil {
		return *p
	}
	return ""
}

// setWebhook registers WEBHOOK_URL with the secret and the kinds of update the bot acts on,
// retrying while Telegram cannot be reached; a refusal (a URL Telegram will not post to) is
// final. Each instance does this on start: the same values, so it does no harm. One connection:
// see the top of this file; the bot's traffic is a few updates a second at most.
func (a *App) setWebhook(ctx context.Context) error {
	for failures := 1; ; failures++ {
		_, err := a.TG.SetWebhook(ctx, &tg.SetWebhookParams{URL: a.Config.WebhookURL, SecretToken: a.Config.WebhookSecret,
			AllowedUpdates: allowedUpdates, MaxConnections: 1})
		if err == nil {
			return nil
		}
		if errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return fmt.Errorf("setWebhook %s refused: %w (check WEBHOOK_URL)", a.Config.WebhookURL, err)
		}
		wait := backoff(failures)
		a.Log.Warn("setWebhook failed, retrying", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// deleteWebhookLeft deletes the webhook a previous configuration set, keeping the updates
// Telegram holds for it: they come by getUpdates instead.
func (a *App) deleteWebhookLeft(ctx context.Context) error {
	info, err := a.TG.GetWebhookInfo(ctx)
	if err != nil {
		a.Log.Warn("getWebhookInfo failed; polling will say if a webhook is still set", "err", err)
		return nil
	}
	if info.URL == "" {
		return nil
	}
	if _, err := a.TG.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
		a.Log.Warn("deleteWebhook failed; polling will retry", "err", err)
		return nil
	}
	a.Log.Info("webhook deleted: receiving updates by polling", "was", info.URL)
	return nil
}

// consumeStored is what the lease holder does in webhook mode instead of polling: it handles
// the stored updates, in update_id order, whenever told of new ones and every inboxSweep.
func (a *App) consumeStored(ctx context.Context) error {
	l := pq.NewListener(a.Config.DatabaseURL, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil && ev == pq.ListenerEventConnectionAttemptFailed {
			a.Log.Warn("inbox listener: LISTEN failed; sweeping only until it reconnects", "err", err)
		}
	})
	defer l.Close()
	if err := l.Listen(store.InboundChannel); err != nil {
		a.Log.Warn("inbox listener: LISTEN failed; sweeping only", "err", err)
	}
	sweep := time.NewTicker(inboxSweep)
	defer sweep.Stop()
	for {
		if err := a.pullStored(ctx); err == nil {
			a.poller.lastOK.Store(time.Now().UnixNano())
		} else if ctx.Err() == nil {
			a.Log.Warn("stored updates not read", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-l.Notify:
		case <-sweep.C:
		}
		for drained := false; !drained; { // one read serves every notice waiting
			select {
			case <-l.Notify:
			default:
				drained = true
			}
		}
	}
}

// pullStored queues the stored updates not yet handled and not yet queued, oldest first.
func (a *App) pullStored(ctx context.Context) error {
	left, err := a.Store.UnhandledUpdates(ctx, maxQueuedPerChat, maxReload)
	if err != nil {
		return err
	}
	for _, row := range left {
		var u models.Update
		if err := json.Unmarshal(row.Payload, &u); err != nil {
			a.Log.Error("stored update undecodable", "update_id", row.UpdateID, "err", err)
			continue
		}
		a.enqueueStored(&u, row.UpdateID)
	}
	return nil
}

// enqueueStored is enqueue for an update read back from the inbox. The read may predate the
// update's handling, finished and forgotten here since: the job looks again before handling.
func (a *App) enqueueStored(u *models.Update, id int64) { a.submit(u, id, true) }
