package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/jmoiron/sqlx"

	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// Access says who may use a handler.
type Access int

const (
	Anyone       Access = iota // outsiders too: /start, /help, /language
	Members                    // active members only
	Contributors               // active members who submit: everyone but observers
	Analysts                   // active analysts and admins
	Admins                     // active admins
)

// allows reports whether a member (nil for an outsider) passes the access level.
func (acc Access) allows(m *store.Member) bool {
	if acc == Anyone {
		return true
	}
	if m == nil || !m.Active() {
		return false
	}
	switch acc {
	case Contributors:
		return m.Role != store.RoleObserver
	case Analysts:
		return m.IsAnalyst()
	case Admins:
		return m.Role == store.RoleAdmin
	}
	return true
}

// Allows reports whether a member (nil for an outsider) may use the command /name: what the
// command menu and /help offer them.
func (a *App) Allows(name string, m *store.Member) bool {
	acc, ok := a.access[name]
	return ok && acc.allows(m)
}

// Command registers h for /name. A command registered twice panics: a start-up error.
func (a *App) Command(name string, acc Access, h Handler) {
	if _, dup := a.access[name]; dup {
		panic(fmt.Sprintf("command /%s registered twice", name))
	}
	a.commands = append(a.commands, name)
	a.access[name] = acc
	a.TG.RegisterHandlerMatchFunc(func(u *models.Update) bool {
		cmd, _ := commandOf(u)
		return cmd == name
	}, a.adapt(acc, h))
}

// Callback registers h for buttons whose data is verb or starts with "verb:". A verb
// registered twice panics: a start-up error.
func (a *App) Callback(verb string, acc Access, h Handler) {
	if a.verbs[verb] {
		panic(fmt.Sprintf("callback verb %q registered twice", verb))
	}
	a.verbs[verb] = true
	a.TG.RegisterHandlerMatchFunc(func(u *models.Update) bool {
		q := u.CallbackQuery
		return q != nil && (q.Data == verb || strings.HasPrefix(q.Data, verb+":"))
	}, a.adapt(acc, h))
}

// On registers h for updates that match; for updates other than commands and buttons.
func (a *App) On(match func(*models.Update) bool, acc Access, h Handler) {
	a.TG.RegisterHandlerMatchFunc(match, a.adapt(acc, h))
}

// Flow registers the handler of a conversation: text, photos and documents of a person whose
// conversation (see Request.Conv) is in this flow go to h instead of the fallback. A flow
// registered twice panics: a start-up error.
func (a *App) Flow(name string, acc Access, h Handler) {
	if _, dup := a.flows[name]; dup {
		panic(fmt.Sprintf("flow %q registered twice", name))
	}
	a.flows[name] = func(ctx context.Context, r *Request) error {
		if !acc.allows(r.Member) {
			// Suspended mid-conversation, say: the draft goes, the person gets the refusal.
			_ = r.EndConv(ctx)
			if r.Member != nil && r.Member.Active() {
				return Tell("error_not_allowed", nil)
			}
			if a.refuse != nil {
				return a.refuse(ctx, r)
			}
			return nil
		}
		return h(ctx, r)
	}
}

// Fallback sets the handler of everything no other handler takes: free text, unknown
// commands, unknown buttons.
func (a *App) Fallback(h Handler) { a.fallback = h }

// Refuse sets the handler for someone whose access does not allow what they asked:
// the closed-network answer.
func (a *App) Refuse(h Handler) { a.refuse = h }

type ctxKey int

const (
	requestKey ctxKey = iota
	outcomeKey
)

// adapt turns our Handler into the library's, checking access and showing errors.
func (a *App) adapt(acc Access, h Handler) tg.HandlerFunc {
	return func(ctx context.Context, _ *tg.Bot, _ *models.Update) {
		r := ctx.Value(requestKey).(*Request)
		if !acc.allows(r.Member) {
			a.auditRefusedButton(ctx, r)
			if r.Member != nil && r.Member.Active() {
				a.finish(ctx, r, Tell("error_not_allowed", nil))
				return
			}
			if a.refuse != nil {
				a.finish(ctx, r, a.refuse(ctx, r))
				return
			}
			a.finish(ctx, r, nil) // fails closed: without a refusal handler, no answer at all
			return
		}
		a.finish(ctx, r, h(ctx, r))
	}
}

// auditRefusedButton writes a button pressed by someone its access level does not allow to
// the audit log: a forged callback, or an old button of a suspended member or of someone
// whose role changed. Commands are not recorded: anyone may type anything.
func (a *App) auditRefusedButton(ctx context.Context, r *Request) {
	q := r.Update.CallbackQuery
	if q == nil {
		return
	}
	e := store.AuditEntry{Action: "callback_refused", After: map[string]any{"telegram_user_id": q.From.ID, "data": q.Data}}
	if r.Member != nil {
		e.ActorID = &r.Member.ID
		e.After = map[string]any{"telegram_user_id": q.From.ID, "data": q.Data, "role": r.Member.Role, "state": r.Member.State}
	}
	if err := store.Audit(ctx, a.Store.DB, e); err != nil {
		a.Log.Error("refused button not audited", "user_id", q.From.ID, "err", err)
	}
}

// finish answers a pressed button (so its spinner stops) and shows an error to the person.
func (a *App) finish(ctx context.Context, r *Request, err error) {
	if q := r.Update.CallbackQuery; q != nil && !r.answered {
		if err := a.AnswerCallback(ctx, r.ChatID, q.ID, ""); err != nil {
			a.Log.Warn("button not answered", "chat_id", r.ChatID, "err", err)
		}
	}
	if err == nil {
		r.closePanels(ctx)
		return
	}
	if ue, ok := IsUserError(err); ok {
		if err := r.Reply(ctx, ue.ID, ue.Data, nil); err != nil {
			a.Log.Warn("error message not sent", "chat_id", r.ChatID, "err", err)
		}
		r.closePanels(ctx)
		return
	}
	if a.dbUnavailable(ctx, err) {
		// Nothing of it was stored (handlers change state in transactions): the update stays
		// in the inbox and is handled again once the database answers (see handle).
		setOutcome(ctx, outcomeUnavailable)
		a.Log.Warn("database unavailable; update kept to be handled again", "chat_id", r.ChatID, "update_id", r.Update.ID, "err", err)
		a.tellUnavailable(ctx, r.Update, r.Lang)
		return
	}
	setOutcome(ctx, "failed")
	a.Log.Error("handler failed", "chat_id", r.ChatID, "update_id", r.Update.ID, "err", err)
	_ = r.Reply(ctx, "error_generic", nil, nil)
	r.closePanels(ctx)
}

// outcomeUnavailable is the outcome of an update that could not be handled because the
// database was out of reach: it is not recorded, and the update is handled again.
const outcomeUnavailable = "unavailable"

// dbUnavailable reports whether a handler's error comes from the database being out of reach
// (restarting, down, the connection cut) rather than from the handler or its data. An error
// not recognisable as such counts too when the database does not answer a ping now.
func (a *App) dbUnavailable(ctx context.Context, err error) bool {
	if _, ok := IsUserError(err); ok || err == nil {
		return false
	}
	if store.Unavailable(err) {
		return true
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return a.Store.Ping(pctx) != nil
}

// tellUnavailable tells the person, once per update however often it is tried, that the bot
// cannot work now and will handle what they sent when it can: so they neither wait in silence
// nor send it again (which would answer the next step twice).
func (a *App) tellUnavailable(ctx context.Context, u *models.Update, lang string) {
	if _, told := a.told.LoadOrStore(u.ID, true); told || groupTraffic(u) {
		return
	}
	c := chatOf(u)
	if c == nil || *c == 0 {
		return
	}
	if _, err := a.Send(ctx, *c, "reply", a.I18n.T(lang, "error_unavailable", nil), nil); err != nil {
		// Not told after all: the next try of the update (or the next look at Telegram's
		// queue) tells them.
		a.told.Delete(u.ID)
		a.Log.Warn("unavailability notice not sent", "chat_id", *c, "err", err)
		return
	}
	a.rememberTold(u, *c, lang) // written once the database is back (outage_notices.go)
}

// notSaved is the poller's hook for a batch the database did not take: the updates are not
// confirmed to Telegram, which hands them out again; their senders are told to wait.
func (a *App) notSaved(ctx context.Context, us []*models.Update) {
	for _, u := range us {
		lang := i18n.Default
		if s := senderOf(u); s != nil {
			lang = a.I18n.Match(s.LanguageCode) // their choice is in the database, out of reach
		}
		a.tellUnavailable(ctx, u, lang)
	}
}

// Answer answers the pressed button with a short notice (a toast), instead of the empty answer.
func (r *Request) Answer(ctx context.Context, id string, data map[string]any) {
	q := r.Update.CallbackQuery
	if q == nil || r.answered {
		return
	}
	r.answered = true
	if err := r.App.AnswerCallback(ctx, r.ChatID, q.ID, r.T(id, data)); err != nil {
		r.App.Log.Warn("button not answered", "chat_id", r.ChatID, "err", err)
	}
}

func setOutcome(ctx context.Context, o string) {
	if p, ok := ctx.Value(outcomeKey).(*string); ok {
		*p = o
	}
}

// identify is the middleware that finds who sent the update and their language.
func (a *App) identify(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		r := &Request{App: a, Update: u, From: senderOf(u), Lang: i18n.Default}
		if c := chatOf(u); c != nil {
			r.ChatID = *c
		}
		if groupTraffic(u) {
			// The bot works in private chats only: it leaves groups it is added to (the
			// my_chat_member update still comes through) and groups it is found in (group.go).
			a.strayGroup(ctx, r)
			return
		}
		if r.From != nil {
			r.Lang = a.I18n.Match(r.From.LanguageCode)
			conv, err := store.ConversationOf(ctx, a.Store.DB, r.From.ID)
			switch {
			case err == nil:
				r.Conv = conv
			case !isNotFound(err):
				a.finish(ctx, r, fmt.Errorf("conversation lookup: %w", err))
				return
			}
			m, err := store.MemberByTelegramID(ctx, a.Store.DB, r.From.ID)
			switch {
			case err == nil:
				if m.State == store.StateUnreachable {
					m = a.reachableAgain(ctx, m)
				}
				r.Member = m
				if a.I18n.Has(m.Language) {
					r.Lang = m.Language
				}
				if m.Language == "" || m.DisplayName == "" {
					// Not given yet (an admin from ADMIN_TELEGRAM_IDS, say): keep Telegram's,
					// so that what the outbox renders for them later is in their language
					// and others see a name.
					name := strings.TrimSpace(r.From.FirstName + " " + r.From.LastName)
					if err := store.FillMemberDefaults(ctx, a.Store.DB, m.ID, r.Lang, name); err != nil {
						a.Log.Warn("member defaults not stored", "member_id", m.ID, "err", err)
					}
				}
			case !isNotFound(err):
				a.finish(ctx, r, fmt.Errorf("member lookup: %w", err))
				return
			default:
				// An outsider may have chosen a language with /language.
				if lang, err := store.OutsiderLanguage(ctx, a.Store.DB, r.From.ID); err == nil && a.I18n.Has(lang) {
					r.Lang = lang
				}
			}
		}
		next(context.WithValue(ctx, requestKey, r), b, u)
	}
}

// reachableAgain reactivates a member marked unreachable (Telegram answered 403: they had
// blocked the bot) who now writes or presses a button: they unblocked it, so messages reach
// them again. A failure leaves them as they were; the next update tries again.
func (a *App) reachableAgain(ctx context.Context, m *store.Member) *store.Member {
	approvedAt := a.Clock.Now() // the first approval is kept
	if m.ApprovedAt != nil {
		approvedAt = *m.ApprovedAt
	}
	var active *store.Member
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		active, err = store.ChangeState(ctx, tx, m.ID, []string{store.StateUnreachable}, store.StateActive, m.ApprovedBy, approvedAt)
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{Action: "member_reachable_again", SubjectID: &m.ID,
			Before: map[string]string{"state": store.StateUnreachable}, After: map[string]string{"state": store.StateActive}})
	})
	if err != nil {
		if !isNotFound(err) {
			a.Log.Warn("unreachable member not reactivated", "member_id", m.ID, "err", err)
		}
		return m
	}
	a.Log.Info("member reachable again", "member_id", m.ID)
	return active
}

// recoverPanics is the outermost middleware: a panic in a handler is logged with its stack,
// the person is told something went wrong, and the bot goes on.
func (a *App) recoverPanics(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		defer func() {
			if p := recover(); p != nil {
				setOutcome(ctx, "panic")
				a.Log.Error("handler panicked", "update_id", u.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if c := chatOf(u); c != nil && *c != 0 {
					lang := i18n.Default
					if r, ok := ctx.Value(requestKey).(*Request); ok {
						lang = r.Lang
					} else if s := senderOf(u); s != nil {
						lang = a.I18n.Match(s.LanguageCode)
					}
					_, _ = a.Send(ctx, *c, "reply", a.I18n.T(lang, "error_generic", nil), nil)
				}
			}
		}()
		next(ctx, b, u)
	}
}

// defaultHandler takes what no registered handler matched.
func (a *App) defaultHandler(ctx context.Context, _ *tg.Bot, _ *models.Update) {
	r := ctx.Value(requestKey).(*Request)
	if r.Conv != nil && r.Update.Message != nil {
		if cmd, _ := r.Command(); cmd == "" {
			if h, ok := a.flows[r.Conv.Flow]; ok {
				a.finish(ctx, r, h(ctx, r))
				return
			}
		}
	}
	if a.fallback == nil {
		a.finish(ctx, r, nil)
		return
	}
	a.finish(ctx, r, a.fallback(ctx, r))
}

// handle runs one stored update through the library's router and records the outcome. It
// returns false when the database was out of reach: the update is left unhandled, to be
// handled again (the sequencer retries it before the chat's later updates).
func (a *App) handle(ctx context.Context, u *models.Update) bool {
	start := time.Now()
	outcome := "ok"
	ctx = context.WithValue(ctx, outcomeKey, &outcome)
	a.TG.ProcessUpdate(ctx, u) // synchronous: WithNotAsyncHandlers
	a.metrics.handlerSeconds.Observe(time.Since(start).Seconds())
	a.metrics.updatesHandled.WithLabelValues(outcome).Inc()
	if outcome == outcomeUnavailable {
		return false
	}
	a.told.Delete(u.ID)
	a.outageMemos.Delete(u.ID) // handled here: no other instance will need to know
	a.markHandled(ctx, u.ID, outcome)
	a.Log.Debug("update handled", slog.Int64("update_id", u.ID), slog.String("outcome", outcome), slog.Duration("took", time.Since(start)))
	return true
}

// markHandled records that an update was handled. The database may be away just then: the
// record is retried until it is back (holding the chat's later updates), because an update
// left unmarked would be handled again, and its reply sent twice, when the polling lease is
// next taken. Only a stop gives up; the next start then handles the update again.
func (a *App) markHandled(ctx context.Context, id int64, outcome string) {
	for failures := 1; ; failures++ {
		// A fresh context: the update was handled, which must be recorded even during shutdown.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err := a.Store.MarkHandled(mctx, id, outcome)
		cancel()
		if err == nil {
			return
		}
		if failures == 1 {
			a.Log.Warn("update handled but not yet marked; retrying", "update_id", id, "err", err)
		}
		select {
		case <-ctx.Done():
			a.Log.Error("update handled but not marked", "update_id", id, "err", err)
			return
		case <-time.After(backoff(failures)):
		}
	}
}

// groupTraffic reports whether an update comes from a group, supergroup or channel, apart from
// the bot's own membership changes.
func groupTraffic(u *models.Update) bool {
	var chat *models.Chat
	switch {
	case u.Message != nil:
		chat = &u.Message.Chat
	case u.EditedMessage != nil:
		chat = &u.EditedMessage.Chat
	case u.CallbackQuery != nil && u.CallbackQuery.Message.Message != nil:
		chat = &u.CallbackQuery.Message.Message.Chat
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return true
	}
	return chat != nil && chat.Type != models.ChatTypePrivate
}

func commandOf(u *models.Update) (string, string) {
	r := Request{Update: u}
	return r.Command()
}

func senderOf(u *models.Update) *models.User {
	switch {
	case u.Message != nil:
		return u.Message.From
	case u.EditedMessage != nil:
		return u.EditedMessage.From
	case u.CallbackQuery != nil:
		return &u.CallbackQuery.From
	case u.MyChatMember != nil:
		return &u.MyChatMember.From
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
