package bot

import (
	"context"
	"sync"
	"time"

	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// Abuse resistance: nobody outside the network can slow it down.
//
//   - A person who is not an active member gets at most one answer per outsiderAnswerEvery
//     (on the App's clock), sent at the limiter's lowest class (delivery.ClassIdle: only when
//     nothing else has been sent for a second), so a flood of strangers never delays a
//     delivery or a member's reply. Exempt are the answers a handler marks Solicited (an
//     invitation being used, a request for access being filed: each bounded by the handler's
//     own rules) and those in a conversation (registration), sent as interactive replies.
//   - Every sender has an inbound budget, a token bucket of inboundBurst updates refilled at
//     inboundRate a second (real time). Past it, their updates are still stored at once but
//     handled later, as their budget refills; the delay is waited out by their chat's own
//     queue without holding a worker, so other chats are never held up. They are told once
//     (slow_down) until their budget is full again.
//   - A chat's queue holds at most maxQueuedPerChat updates; one past that is recorded as
//     handled with the outcome "dropped". The reload of unhandled updates takes at most that
//     many per chat (the rest of a chat's are dropped likewise) and maxReload in all.

const (
	outsiderAnswerEvery = 10 * time.Minute
	// A person typing and pressing buttons stays far below one update a second for long; a
	// burst of 20 covers an album of ten photos with captions, or a quick series of presses.
	// Sustained faster traffic is a script: it waits.
	inboundBurst     = 20
	inboundRate      = 1.0 // updates a second
	maxQueuedPerChat = 200 // over three minutes of updates at inboundRate
	maxReload        = 10000
)

type solicitedKey struct{}

// Solicited marks ctx so that replies sent under it to someone outside the network are not
// held to one per outsiderAnswerEvery: a handler calls it for answers the person asked for and
// that its own rules bound (an invitation code within the lockout, a request for access).
func Solicited(ctx context.Context) context.Context {
	return context.WithValue(ctx, solicitedKey{}, true)
}

// replyClass is the limiter class of a message to chatID sent while handling ctx's update,
// and whether to send it at all: see the package comment above.
func (a *App) replyClass(ctx context.Context, chatID int64) (delivery.Class, bool) {
	r, ok := ctx.Value(requestKey).(*Request)
	if !ok || r.ChatID != chatID || (r.Member != nil && r.Member.Active()) {
		return delivery.Interactive, true
	}
	every := a.Config.OutsiderAnswerEvery
	if r.Conv != nil || ctx.Value(solicitedKey{}) != nil || every < 0 {
		return delivery.Interactive, true
	}
	if every == 0 {
		every = outsiderAnswerEvery
	}
	return delivery.ClassIdle, a.outsiders.allow(chatID, a.Clock.Now(), every)
}

// outsiderGate remembers when each outsider's chat was last answered.
type outsiderGate struct {
	mu    sync.Mutex
	last  map[int64]time.Time
	sweep int // sweep the map when it grows past this
}

func (g *outsiderGate) allow(chat int64, now time.Time, every time.Duration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil {
		g.last, g.sweep = map[int64]time.Time{}, 1024
	}
	if t, ok := g.last[chat]; ok && now.Sub(t) < every {
		return false
	}
	g.last[chat] = now
	if len(g.last) > g.sweep {
		for c, t := range g.last {
			if now.Sub(t) >= every {
				delete(g.last, c)
			}
		}
		g.sweep = max(1024, 2*len(g.last))
	}
	return true
}

// inboundBudget keeps each sender's token bucket.
type inboundBudget struct {
	mu      sync.Mutex
	senders map[int64]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64 // may go negative: updates reserved ahead of the refill
	at     time.Time
	warned bool
}

// budget is the inbound budget of the configuration: burst and refill a second.
func (a *App) budget() (float64, float64) {
	burst, rate := float64(a.Config.InboundBurst), a.Config.InboundRate
	if burst <= 0 {
		burst = inboundBurst
	}
	if rate <= 0 {
		rate = inboundRate
	}
	return burst, rate
}

// take spends one update of key's budget at now. It returns how long the update must wait
// before it is handled (0 within budget) and whether to tell the sender to slow down: the
// first time they go past it since their budget was last full.
func (b *inboundBudget) take(key int64, now time.Time, burst, rate float64) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.senders == nil {
		b.senders = map[int64]*bucket{}
	}
	s := b.senders[key]
	if s == nil {
		s = &bucket{tokens: burst, at: now}
		b.senders[key] = s
	}
	s.tokens = min(burst, s.tokens+now.Sub(s.at).Seconds()*rate)
	s.at = now
	if s.tokens >= burst {
		s.warned = false
	}
	s.tokens--
	if now.Sub(b.swept) > 10*time.Second {
		b.swept = now
		for k, o := range b.senders {
			if o.tokens+now.Sub(o.at).Seconds()*rate >= burst {
				delete(b.senders, k)
			}
		}
	}
	if s.tokens >= 0 {
		return 0, false
	}
	wait := time.Duration(-s.tokens / rate * float64(time.Second))
	warn := !s.warned
	s.warned = true
	return wait, warn
}

// tellSlowDown tells the person writing in chat (a private chat: the chat is the user) once
// that they send faster than the bot takes, in their language; for someone outside the
// network it is their one answer of outsiderAnswerEvery (if not used already).
func (a *App) tellSlowDown(chat int64, languageCode string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := &Request{App: a, ChatID: chat, Lang: a.I18n.Match(languageCode)}
	if m, err := store.MemberByTelegramID(ctx, a.Store.DB, chat); err == nil {
		r.Member = m
		if a.I18n.Has(m.Language) {
			r.Lang = m.Language
		}
	} else if lang, err := store.OutsiderLanguage(ctx, a.Store.DB, chat); err == nil && a.I18n.Has(lang) {
		r.Lang = lang
	}
	if r.Lang == "" {
		r.Lang = i18n.Default
	}
	ctx = context.WithValue(ctx, requestKey, r)
	if _, err := a.Send(ctx, chat, "slow_down", r.T("slow_down", nil), nil); err != nil {
		a.Log.Warn("slow-down notice not sent", "chat_id", chat, "err", err)
	}
}

// dropUpdate records an update that will not be handled (its chat's queue is full).
func (a *App) dropUpdate(id, chat int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Store.MarkHandled(ctx, id, "dropped"); err != nil {
		a.Log.Warn("dropped update not recorded", "update_id", id, "err", err)
	}
	a.Log.Warn("update dropped: its chat's queue is full", "update_id", id, "chat_id", chat)
}
