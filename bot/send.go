package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// Keyboard is an inline keyboard as the Bot API wants it. go-telegram/bot's own
// InlineKeyboardButton always adds an empty copy_text object beside callback_data, which gives
// a button two actions; this type has only the fields we use, each left out when empty.
type Keyboard struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

// Button is one inline button: exactly one of CallbackData and URL is set.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Row appends a row of buttons and returns the keyboard, for building keyboards inline.
func (k *Keyboard) Row(buttons ...Button) *Keyboard {
	k.InlineKeyboard = append(k.InlineKeyboard, buttons)
	return k
}

// interactiveRetryFor is how long a reply is retried on 5xx or network errors, the pause
// growing from half a second to at most interactiveMaxPause: Telegram failing for a few
// seconds must not lose the answer the person waits for (their next step depends on it),
// and the chat's later updates wait behind it, so its order holds. A 429 is always waited out,
// for exactly its retry_after. A send that timed out may have reached Telegram: its retry can
// show the person the same reply twice, the one duplicate this allows.
const (
	interactiveRetryFor = 30 * time.Second
	interactiveMaxPause = 2 * time.Second
)

// Send sends an HTML message to a chat at once and records it. kind says what it is (reply,
// notice, …) in the outbound log. It goes through the process's limiter ahead of everything
// queued in the outbox — except an answer to someone outside the network, which goes after
// everything and at most once in ten minutes (see replyClass): then Send returns nil, nil
// without sending.
func (a *App) Send(ctx context.Context, chatID int64, kind, text string, kb *Keyboard) (*models.Message, error) {
	params := &tg.SendMessageParams{
		ChatID:             chatID,
		Text:               text,
		ParseMode:          models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()},
	}
	if kb != nil { // a nil *Keyboard in the interface would be sent as "null"
		params.ReplyMarkup = kb
	}
	class, send := a.replyClass(ctx, chatID)
	if !send {
		return nil, nil // someone outside the network, answered already a moment ago (abuse.go)
	}
	msg, err := a.sendLimited(ctx, chatID, class, params)
	if err != nil {
		a.metrics.messagesSent.WithLabelValues("error").Inc()
		return nil, fmt.Errorf("send to chat %d: %w", chatID, err)
	}
	a.metrics.messagesSent.WithLabelValues("ok").Inc()
	if err := a.Store.RecordSent(ctx, store.OutboundMessage{
		ChatID: chatID, TelegramMessageID: int64(msg.ID), Kind: kind, Text: text,
	}); err != nil {
		// The person has the message; losing the record must not make us send it again.
		a.Log.Error("sent message not recorded", "chat_id", chatID, "err", err)
	}
	return msg, nil
}

func (a *App) sendLimited(ctx context.Context, chatID int64, class delivery.Class, params *tg.SendMessageParams) (*models.Message, error) {
	res := a.limiter.Reserve(chatID, class)
	start := time.Now()
	for pause := 500 * time.Millisecond; ; {
		p, err := res.Wait(ctx)
		if err != nil {
			return nil, err
		}
		msg, err := a.TG.SendMessage(ctx, params)
		var tooMany *tg.TooManyRequestsError
		if errors.As(err, &tooMany) {
			p.Done(time.Duration(max(tooMany.RetryAfter, 1)) * time.Second)
			a.delivery.TooMany("interactive")
			res = p.Retry()
			continue
		}
		p.Done(0)
		if err == nil || errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorForbidden) ||
			errors.Is(err, tg.ErrorUnauthorized) || time.Since(start)+pause > interactiveRetryFor || ctx.Err() != nil {
			return msg, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, interactiveMaxPause)
		res = a.limiter.Reserve(chatID, class)
	}
}

// Limiter is the process's send limiter, for senders outside the App (the sandbox).
func (a *App) Limiter() *delivery.Limiter { return a.limiter }
