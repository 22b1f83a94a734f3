package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
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

// Button is one inline button: exactly one of CallbackData, URL and WebApp is set (Telegram
// refuses a button with two actions).
type Button struct {
	Text         string  `json:"text"`
	CallbackData string  `json:"callback_data,omitempty"`
	URL          string  `json:"url,omitempty"`
	WebApp       *WebApp `json:"web_app,omitempty"`
}

// WebApp is a web_app button's page: a Mini App that Telegram opens inside the chat, from
// the network's own server (https).
type WebApp struct {
	URL string `json:"url"`
}

// Row appends a row of buttons and returns the keyboard, for building keyboards inline. A row
// whose labels would be cut on a narrow phone is laid out in narrower rows (FitRows).
func (k *Keyboard) Row(buttons ...Button) *Keyboard {
	k.InlineKeyboard = append(k.InlineKeyboard, FitRows(buttons)...)
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
//
// A message carrying a secret is sent under store.WithSecrets: what is recorded of it keeps a
// marker instead.
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
	a.record(ctx, chatID, msg.ID, kind, text)
	return msg, nil
}

func (a *App) sendLimited(ctx context.Context, chatID int64, class delivery.Class, params *tg.SendMessageParams) (*models.Message, error) {
	return limited(ctx, a, chatID, class, func(ctx context.Context) (*models.Message, error) { return a.TG.SendMessage(ctx, params) })
}

// limited runs one Bot API call for a chat through the process's limiter, as an interactive
// reply: ahead of the outbox, a 429 waited out for exactly its retry_after, 5xx and network
// errors retried for interactiveRetryFor. Every call a handler makes to Telegram goes through
// it (Send, Edit, EditMarkup, Delete, AnswerCallback, LeaveChat).
func limited[T any](ctx context.Context, a *App, chatID int64, class delivery.Class, call func(context.Context) (T, error)) (T, error) {
	var zero T
	res := a.limiter.Reserve(chatID, class)
	start := time.Now()
	for pause := 500 * time.Millisecond; ; {
		p, err := res.Wait(ctx)
		if err != nil {
			return zero, err
		}
		out, err := call(ctx)
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
			return out, err
		}
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, interactiveMaxPause)
		res = a.limiter.Reserve(chatID, class)
	}
}

// record keeps what was sent or changed in a chat in the outbound log. A failure is logged
// only: the person has the message, and losing the record must not make us send it again.
func (a *App) record(ctx context.Context, chatID int64, msgID int, kind, text string) {
	if err := store.RecordSent(ctx, a.Store.DB, store.OutboundMessage{
		ChatID: chatID, TelegramMessageID: int64(msgID), Kind: kind, Text: text,
	}); err != nil {
		a.Log.Error("sent message not recorded", "chat_id", chatID, "kind", kind, "err", err)
	}
}

// notModified reports whether Telegram refused an edit because nothing would change: the
// message already shows what was asked, which counts as done.
func notModified(err error) bool {
	return err != nil && strings.Contains(err.Error(), "message is not modified")
}

// Edit replaces the text (HTML) and keyboard of a message the bot sent. A nil kb removes the
// keyboard. An edit that would change nothing counts as done.
func (a *App) Edit(ctx context.Context, chatID int64, msgID int, text string, kb *Keyboard) error {
	p := &tg.EditMessageTextParams{ChatID: chatID, MessageID: msgID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
	if kb != nil { // a nil *Keyboard in the interface would be sent as "null"
		p.ReplyMarkup = kb
	}
	_, err := limited(ctx, a, chatID, delivery.Interactive, func(ctx context.Context) (*models.Message, error) { return a.TG.EditMessageText(ctx, p) })
	if notModified(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("edit message %d in chat %d: %w", msgID, chatID, err)
	}
	a.record(ctx, chatID, msgID, "edit", text)
	return nil
}

// EditMarkup replaces the keyboard of a message the bot sent; a nil kb removes it.
func (a *App) EditMarkup(ctx context.Context, chatID int64, msgID int, kb *Keyboard) error {
	if kb == nil {
		kb = &Keyboard{InlineKeyboard: [][]Button{}}
	}
	p := &tg.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: msgID, ReplyMarkup: kb}
	_, err := limited(ctx, a, chatID, delivery.Interactive, func(ctx context.Context) (*models.Message, error) { return a.TG.EditMessageReplyMarkup(ctx, p) })
	if notModified(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("edit keyboard of message %d in chat %d: %w", msgID, chatID, err)
	}
	a.record(ctx, chatID, msgID, "edit_markup", "")
	return nil
}

// Delete deletes a message the bot sent.
func (a *App) Delete(ctx context.Context, chatID int64, msgID int) error {
	p := &tg.DeleteMessageParams{ChatID: chatID, MessageID: msgID}
	if _, err := limited(ctx, a, chatID, delivery.Interactive, func(ctx context.Context) (bool, error) { return a.TG.DeleteMessage(ctx, p) }); err != nil {
		return fmt.Errorf("delete message %d in chat %d: %w", msgID, chatID, err)
	}
	a.record(ctx, chatID, msgID, "delete", "")
	return nil
}

// AnswerCallback answers a pressed button: text is its toast, empty for none (the spinner
// stops). An answer is not a message in the chat, so it does not wait for the chat's window:
// it counts against the process's rate in a scope of its own (see answerScope).
func (a *App) AnswerCallback(ctx context.Context, chatID int64, queryID, text string) error {
	p := &tg.AnswerCallbackQueryParams{CallbackQueryID: queryID, Text: text}
	if _, err := limited(ctx, a, answerScope(queryID), delivery.Interactive, func(ctx context.Context) (bool, error) { return a.TG.AnswerCallbackQuery(ctx, p) }); err != nil {
		return fmt.Errorf("answer button in chat %d: %w", chatID, err)
	}
	if text != "" {
		a.record(ctx, chatID, 0, "toast", text)
	}
	return nil
}

// answerScope is the limiter scope of a callback answer: a positive number of its own for
// each query, so that answers are paced by the global rate (and stopped by a 429) but never
// queue behind the messages of the chat the button is in.
func answerScope(queryID string) int64 {
	h := fnv.New64a()
	h.Write([]byte(queryID))
	return int64(h.Sum64()>>1) | 1<<61
}

// LeaveChat makes the bot leave a group or channel.
func (a *App) LeaveChat(ctx context.Context, chatID int64) error {
	p := &tg.LeaveChatParams{ChatID: chatID}
	if _, err := limited(ctx, a, chatID, delivery.Interactive, func(ctx context.Context) (bool, error) { return a.TG.LeaveChat(ctx, p) }); err != nil {
		return fmt.Errorf("leave chat %d: %w", chatID, err)
	}
	return nil
}

// Limiter is the process's send limiter, for senders outside the App (the sandbox).
func (a *App) Limiter() *delivery.Limiter { return a.limiter }
