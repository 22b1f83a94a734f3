// Package bot is the application: configuration, wiring, receiving updates, routing them to
// handlers in order, and sending. Handlers live in the handlers package and register here.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/lease"
	"focalbot/bot/store"
	"focalbot/locales"
)

// App holds everything a handler needs. One App serves one bot token.
type App struct {
	Config *Config
	Store  *store.Store
	TG     *tg.Bot
	I18n   *i18n.Bundle
	Log    *slog.Logger
	Me     *models.User // the bot itself, from getMe
	Clock  Clock        // the time of the domain; a FakeClock in tests

	// RequestFits is the chat's length check of a request's text written by from in
	// writtenLang (handlers/request sets it): its longest length and whether it fits one
	// message. The Mini App's request form refuses by it too.
	RequestFits func(from *store.Member, writtenLang, text string) (int, bool)
	// BroadcastTextsSaved redraws the chat panel of a broadcast whose texts its author
	// memberID just saved in the Mini App (handlers/broadcast sets it).
	BroadcastTextsSaved func(ctx context.Context, memberID, broadcastID int64) error

	metrics     *metrics
	limiter     *delivery.Limiter // every send of this process goes through it
	delivery    *delivery.Metrics
	poller      *poller
	lease       *lease.Lease // one per process: polling and sending go together
	seq         *sequencer
	commands    []string
	access      map[string]Access // of each command: which menu shows it
	flows       map[string]Handler
	verbs       map[string]bool // the callback verbs registered
	renderers   map[string]delivery.Renderer
	perLanguage map[string]bool // kinds rendered once per language (RendererPerLanguage)
	jobs        []job
	fallback    Handler
	refuse      Handler
	told        sync.Map // update ID → true: its sender was told the database is out of reach
	outageMemos sync.Map // update ID → outageMemo: told or owed while the database was away, not yet written
	owed        sync.Map // update ID → true: owed the notice that the database is back (outage_notices.go)
	queued      sync.Map // update ID → true: waiting in the sequencer or being handled
	outsiders   outsiderGate
	inbound     inboundBudget

	ops         *opsMetrics            // metrics_ops.go
	webhookAddr atomic.Pointer[string] // where the webhook listens, once it does (webhook.go)
	consoleURL  atomic.Value           // string: the web console's base URL once it serves
}

// ErrUnauthorized means Telegram refused the token.
var ErrUnauthorized = errors.New("telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): check it with @BotFather")

// New wires an App on an open store. It asks Telegram who the bot is (getMe), retrying while
// Telegram cannot be reached; a refused token is final.
func New(ctx context.Context, cfg *Config, st *store.Store, log *slog.Logger) (*App, error) {
	bundle, err := i18n.Load(locales.FS)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, I18n: bundle, Log: log, metrics: newMetrics(), seq: newSequencer(cfg.HandlerWorkers),
		flows: map[string]Handler{}, verbs: map[string]bool{}, access: map[string]Access{}, renderers: map[string]delivery.Renderer{}, perLanguage: map[string]bool{}, Clock: realClock{}}
	a.renderers[delivery.KindMenu] = a.renderMenu
	rate := cfg.SendRate
	if rate <= 0 { // a Config built by hand rather than by LoadConfig
		rate = 30
	}
	limits := delivery.TelegramLimits(rate)
	if cfg.SendLimits != nil {
		limits = *cfg.SendLimits
	}
	a.limiter = delivery.NewLimiter(limits)
	a.delivery = delivery.NewMetrics(a.metrics.registry, st.DB)
	// Sends wait at most 30 s; the poll client waits for the long poll plus a margin, so the
	// poll never races the client's timeout. The default transport keeps two idle connections
	// per host, too few for the dispatcher's parallel sends.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	sendClient := &http.Client{Timeout: 30 * time.Second, Transport: tr}
	a.TG, err = tg.New(cfg.BotToken,
		tg.WithServerURL(cfg.APIURL),
		tg.WithHTTPClient(cfg.PollTimeout, sendClient),
		tg.WithSkipGetMe(),
		tg.WithNotAsyncHandlers(),
		tg.WithMiddlewares(a.recoverPanics, a.identify),
		tg.WithDefaultHandler(a.defaultHandler),
		tg.WithErrorsHandler(func(err error) { log.Warn("telegram client", "err", err) }),
	)
	if err != nil {
		return nil, err
	}
	a.lease = lease.New(st.DB.DB, log)
	a.poller = &poller{
		client:  &http.Client{Timeout: cfg.PollTimeout + 10*time.Second},
		url:     cfg.APIURL + "/bot" + cfg.BotToken + "/getUpdates",
		timeout: cfg.PollTimeout,
		store:   st,
		log:     log,
		metrics: a.metrics,
		lease:   a.lease,
	}
	a.poller.handle = a.enqueue
	a.poller.leftOver = a.handleLeftOver
	a.poller.beforeRelease = func() { a.seq.close(cfg.ShutdownTimeout) }
	a.poller.notSaved = a.notSavedPolled
	a.poller.owed = a.loadOwed
	if cfg.WebhookURL != "" {
		a.poller.consume = a.consumeStored
	}
	a.lease.Unreachable = a.poller.peek // peek does nothing in webhook mode
	a.lease.BeforeTry = a.writeOutageMemos
	a.ops = newOpsMetrics(a)
	a.registerDeliveryNotices()
	a.Job("retention", time.Hour, a.retain)
	if err := a.getMe(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *App) getMe(ctx context.Context) error {
	for failures := 1; ; failures++ {
		me, err := a.TG.GetMe(ctx)
		if err == nil {
			a.Me = me
			return nil
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return ErrUnauthorized
		}
		wait := backoff(failures)
		a.Log.Warn("Telegram not reachable, retrying", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// enqueue hands a stored update to the sequencer, ordered behind its chat's earlier updates.
func (a *App) enqueue(u *models.Update, id int64) { a.submit(u, id, false) }

// submit queues an update in its chat's order, within the sender's inbound budget. With
// recheck, the job first looks whether the update was handled meanwhile (an update read back
// from the inbox, whose read may predate its handling elsewhere).
func (a *App) submit(u *models.Update, id int64, recheck bool) {
	if _, queued := a.queued.LoadOrStore(id, true); queued {
		return // already waiting here: taken from the inbox twice
	}
	key := -id // updates without a chat run on their own
	if c := chatOf(u); c != nil {
		key = *c
	}
	var notBefore time.Time
	if key > 0 { // a person's private chat: their inbound budget (see abuse.go)
		now := time.Now()
		burst, rate := a.budget()
		wait, warn := a.inbound.take(key, now, burst, rate)
		if wait > 0 {
			notBefore = now.Add(wait)
		}
		if warn {
			lang := ""
			if s := senderOf(u); s != nil {
				lang = s.LanguageCode
			}
			go a.tellSlowDown(key, lang)
		}
	}
	queued := a.seq.submitAt(key, notBefore, func(ctx context.Context) bool {
		if recheck {
			handled, err := a.Store.UpdateHandled(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return false // the database is away: tried again, the chat's later updates wait
			}
			if handled || err != nil {
				a.queued.Delete(id)
				return true
			}
		}
		if _, owed := a.owed.LoadAndDelete(id); owed {
			a.tellBack(ctx, id)
		}
		done := a.handle(ctx, u)
		if done {
			a.queued.Delete(id)
		}
		return done
	})
	if !queued {
		a.queued.Delete(id)
		if !a.seq.isClosed() {
			a.dropUpdate(id, key)
		}
	}
}

// handleLeftOver queues the updates stored but not handled: those a previous run left, or the
// instance that held the polling lease before this one. Called each time this instance takes
// the lease; updates still queued here are not queued twice.
func (a *App) handleLeftOver(ctx context.Context) {
	left, err := a.Store.UnhandledUpdates(ctx, maxQueuedPerChat, maxReload)
	if err != nil {
		a.Log.Warn("updates left over not read", "err", err)
		return
	}
	ids := make([]int64, len(left))
	for i, row := range left {
		ids[i] = row.UpdateID
	}
	a.loadOwed(ctx, ids)
	for _, row := range left {
		var u models.Update
		if err := json.Unmarshal(row.Payload, &u); err != nil {
			a.Log.Error("stored update undecodable", "update_id", row.UpdateID, "size", len(row.Payload))
			continue
		}
		a.enqueue(&u, row.UpdateID)
	}
	if len(left) > 0 {
		a.Log.Info("handling updates left over", "count", len(left))
	}
}

// Run serves until ctx is cancelled: it polls for updates (and, on taking the polling lease,
// handles what was left unhandled), delivers the outbox, runs the jobs and serves HTTP. On
// cancel it stops polling, lets handlers in flight finish within ShutdownTimeout and returns.
func (a *App) Run(ctx context.Context) error {
	err := a.run(ctx)
	if ctx.Err() != nil {
		return nil // stopped while starting or serving: a clean stop
	}
	return err
}

func (a *App) run(ctx context.Context) error {
	if err := a.Store.EnsureAdmins(ctx, a.Config.AdminIDs); err != nil {
		return err
	}
	a.setCommands(ctx)
	for _, id := range a.Config.AdminIDs { // their chat menus, which /start would refresh too
		if m, err := store.MemberByTelegramID(ctx, a.Store.DB, id); err == nil {
			a.RefreshMenu(ctx, m)
		}
	}
	srv := &http.Server{Addr: a.Config.HTTPAddr, Handler: a.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr <- fmt.Errorf("http on %s: %w", a.Config.HTTPAddr, err)
		}
	}()

	stopWebhook, err := a.startWebhook(ctx, httpErr)
	if err != nil {
		_ = srv.Close()
		return err
	}
	defer stopWebhook()
	stopConsole, cerr := a.startConsole(httpErr)
	if cerr != nil {
		_ = srv.Close()
		return cerr
	}
	defer stopConsole()

	var wg sync.WaitGroup
	pollCtx, stopPoll := context.WithCancel(ctx)
	dispatcher := &delivery.Dispatcher{Store: a.Store, Sender: a.TG, Renderers: a.renderers, Log: a.Log,
		Limiter: a.limiter, Metrics: a.delivery, DBURL: a.Config.DatabaseURL, Leader: a.lease, PerLanguage: a.perLanguage,
		PaidBroadcast: a.Config.PaidBroadcast, MaxAttempts: a.Config.MaxAttempts}
	wg.Add(2)
	go func() {
		defer wg.Done()
		dispatcher.Run(pollCtx)
	}()
	if !a.Config.NoJobs {
		a.runJobs(pollCtx, &wg)
	}
	go func() {
		defer wg.Done()
		if err := a.poller.runLeased(pollCtx); err != nil {
			httpErr <- err
		}
	}()
	a.Log.Info("focalbot running", "bot", a.Me.Username, "http", a.Config.HTTPAddr)

	select {
	case <-ctx.Done():
	case err = <-httpErr:
	}
	stopPoll()
	wg.Wait()
	a.seq.close(a.Config.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	a.Log.Info("focalbot stopped")
	return err
}

// Polling reports whether this instance holds the polling lease (others stand by).
func (a *App) Polling() bool { return a.poller.lastOK.Load() != 0 && a.lease.Held() }

// Renderer registers how outbox rows of a kind are rendered for their recipient. A kind
// registered twice panics: a start-up error.
func (a *App) Renderer(kind string, r delivery.Renderer) {
	if _, dup := a.renderers[kind]; dup {
		panic(fmt.Sprintf("renderer of %q registered twice", kind))
	}
	a.renderers[kind] = r
}

// RendererPerLanguage registers a renderer whose message depends only on the row's kind, ref
// and variant and the recipient's language (a broadcast): the dispatcher renders it once per
// language, not once per recipient.
func (a *App) RendererPerLanguage(kind string, r delivery.Renderer) {
	a.Renderer(kind, r)
	a.perLanguage[kind] = true
}
