package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/go-telegram/bot/models"

	"focalbot/bot/store"
)

// Request is one update being handled, with who sent it and the language to answer in.
type Request struct {
	App    *App
	Update *models.Update
	ChatID int64
	From   *models.User
	Member *store.Member // nil for someone who is not a member
	Lang   string        // the member's language, else matched from Telegram's language_code

	Conv *store.Conversation // the conversation in progress, nil for none

	// PanelAnswer is shown under the question of the conversation's panel when it is closed
	// (panel.go): the answer given, as plain text. Empty: the label of the button pressed on it.
	PanelAnswer string

	answered bool  // the pressed button was answered already
	panel    panel // the conversation's panel, and the panels to close after the handler
}

// Handler handles one kind of update. An error it returns is shown to the person: a *UserError
// as its own message, any other as the localized "something went wrong".
type Handler func(ctx context.Context, r *Request) error

// UserError is an error meant for the person who caused it: a message ID and its arguments,
// translated when shown.
type UserError struct {
	ID   string
	Data map[string]any
}

func (e *UserError) Error() string { return "user error " + e.ID }

// Tell returns a UserError for message id.
func Tell(id string, data map[string]any) error { return &UserError{ID: id, Data: data} }

// T renders a message in the request's language.
func (r *Request) T(id string, data map[string]any) string { return r.App.I18n.T(r.Lang, id, data) }

// Reply answers in the chat the update came from.
func (r *Request) Reply(ctx context.Context, id string, data map[string]any, kb *Keyboard) error {
	_, err := r.App.Send(ctx, r.ChatID, "reply", r.T(id, data), kb)
	return err
}

// Text is the message text, or the caption of a photo or document.
func (r *Request) Text() string {
	if m := r.Update.Message; m != nil {
		if m.Text != "" {
			return m.Text
		}
		return m.Caption
	}
	return ""
}

// Command is the command of a message (without the slash and any @botname) and its argument:
// "/start abc" → ("start", "abc"). It is empty for text that is not a command.
func (r *Request) Command() (name, arg string) {
	m := r.Update.Message
	if m == nil || len(m.Entities) == 0 {
		return "", ""
	}
	e := m.Entities[0]
	if e.Type != models.MessageEntityTypeBotCommand || e.Offset != 0 || e.Length > len(m.Text) {
		return "", ""
	}
	name = m.Text[1:e.Length]
	name, _, _ = strings.Cut(name, "@")
	return strings.ToLower(name), strings.TrimSpace(m.Text[e.Length:])
}

// CallbackData is the data of a pressed button, empty for other updates.
func (r *Request) CallbackData() string {
	if q := r.Update.CallbackQuery; q != nil {
		return q.Data
	}
	return ""
}

// IsUserError reports whether err is meant for the person, and which it is.
func IsUserError(err error) (*UserError, bool) {
	var ue *UserError
	ok := errors.As(err, &ue)
	return ue, ok
}

// SaveConv starts or advances the person's conversation: flow, step and the answers so far.
// A conversation of another flow that it replaces has its panel closed after the handler.
func (r *Request) SaveConv(ctx context.Context, flow, step string, data any) error {
	if err := store.SaveConversation(ctx, r.App.Store.DB, r.From.ID, flow, step, data); err != nil {
		return err
	}
	if p := r.panelState(); p.id != 0 && r.Conv != nil && r.Conv.Flow != flow {
		r.closeLater(p.id, p.text)
		p.id, p.text = 0, ""
		r.savePanel(ctx)
	}
	return nil
}

// EndConv forgets the person's conversation; its panel is closed after the handler, unless
// the handler shows its outcome on it (ui.Show).
func (r *Request) EndConv(ctx context.Context) error {
	if p := r.panelState(); p.id != 0 {
		r.closeLater(p.id, p.text)
		p.id, p.text = 0, ""
	}
	r.Conv = nil
	return store.EndConversation(ctx, r.App.Store.DB, r.From.ID)
}

// ConvData decodes the conversation's answers into v; it leaves v as is without a conversation.
func (r *Request) ConvData(v any) error {
	if r.Conv == nil || len(r.Conv.Data) == 0 {
		return nil
	}
	return json.Unmarshal(r.Conv.Data, v)
}
