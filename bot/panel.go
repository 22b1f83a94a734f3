package bot

import (
	"context"

	"github.com/go-telegram/bot/models"

	"focalbot/bot/store"
)

// One live panel per conversation. A conversation (the alert draft, a request for
// information, a status form, an analyst's reason) asks each question as a new message at the
// bottom of the chat, its panel; when the next one is sent, the panel before it is closed:
// edited into its question and the answer given (PanelAnswer, else the label of the button
// pressed on it), without buttons. So in a chat at most one message carries the live buttons
// of a conversation, and what was answered stays readable above. Ending a conversation closes
// its panel too, unless the handler shows its outcome on that very message (ui.Show).
//
// A new message rather than one panel edited in place, because a typed answer is a message
// below the panel: the next question has to come after it anyway, and one mechanism then
// serves buttons and typing alike. Closing happens after the handler has answered (finish),
// so the next question is not held up by the per-chat limit.
//
// The panel's message ID and text are kept with the conversation (conversations.panel_*), so
// a typed answer, a restart or a new /command still finds it.

// panel is the request's view of its conversation's panel and of what it must close.
type panel struct {
	loaded  bool
	id      int
	text    string
	closing []int          // panels to close after the handler
	texts   map[int]string // their texts, when known
	shown   map[int]bool   // messages the handler edited itself: not closed
}

func (r *Request) panelState() *panel {
	if !r.panel.loaded {
		r.panel.loaded = true
		if r.Conv != nil {
			r.panel.id, r.panel.text = int(r.Conv.PanelMessageID), r.Conv.PanelText
		}
	}
	return &r.panel
}

// PanelID is the message carrying the conversation's live buttons, 0 for none.
func (r *Request) PanelID() int { return r.panelState().id }

// SendPanel sends text with kb as the conversation's panel, a new message at the bottom of
// the chat; the panel before it is closed once the handler is done. The conversation must have
// been saved (SaveConv) before: the panel is recorded on it.
func (r *Request) SendPanel(ctx context.Context, text string, kb *Keyboard) (*models.Message, error) {
	msg, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
	if err != nil || msg == nil {
		return msg, err
	}
	p := r.panelState()
	if p.id != 0 && p.id != msg.ID {
		r.closeLater(p.id, p.text)
	}
	if kb == nil || len(kb.InlineKeyboard) == 0 {
		p.id, p.text = 0, "" // a question without buttons is no panel
	} else {
		p.id, p.text = msg.ID, text
	}
	r.savePanel(ctx)
	return msg, nil
}

// ClosePanel closes the conversation's panel once the handler is done: an answer typed to it
// was taken, and what follows has no buttons of the conversation.
func (r *Request) ClosePanel(ctx context.Context) {
	p := r.panelState()
	if p.id == 0 {
		return
	}
	r.closeLater(p.id, p.text)
	p.id, p.text = 0, ""
	r.savePanel(ctx)
}

// PanelShown tells the panel that the handler edited message msgID itself (ui.Show): it is
// not closed after the handler. When it is the conversation's panel, it stays the panel with
// its new text while it has buttons, and stops being one without.
func (r *Request) PanelShown(ctx context.Context, msgID int, text string, kb *Keyboard) {
	p := r.panelState()
	if p.shown == nil {
		p.shown = map[int]bool{}
	}
	p.shown[msgID] = true
	if msgID != p.id {
		return
	}
	if kb == nil || len(kb.InlineKeyboard) == 0 {
		p.id, p.text = 0, ""
	} else {
		p.text = text
	}
	if r.Conv != nil {
		r.savePanel(ctx)
	}
}

// ClosePressed removes the buttons of the message whose button was pressed, once the handler
// is done (unless it edited that message itself): for messages that are not a conversation's
// panel (an alert to verify, an audience screen) whose action moved on to another message.
func (r *Request) ClosePressed() {
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		r.closeLater(q.Message.Message.ID, "")
	}
}

func (r *Request) closeLater(id int, text string) {
	p := r.panelState()
	for _, c := range p.closing {
		if c == id {
			return
		}
	}
	p.closing = append(p.closing, id)
	if text != "" {
		if p.texts == nil {
			p.texts = map[int]string{}
		}
		p.texts[id] = text
	}
}

func (r *Request) savePanel(ctx context.Context) {
	if r.From == nil {
		return
	}
	p := r.panelState()
	if err := store.SetConversationPanel(ctx, r.App.Store.DB, r.From.ID, int64(p.id), p.text); err != nil {
		r.App.Log.Warn("panel not recorded", "chat_id", r.ChatID, "err", err)
	}
}

// pressedLabel is the label of the button pressed on message msgID, "" when the update is not
// a press on it.
func (r *Request) pressedLabel(msgID int) string {
	q := r.Update.CallbackQuery
	if q == nil || q.Message.Message == nil || q.Message.Message.ID != msgID || q.Message.Message.ReplyMarkup == nil {
		return ""
	}
	for _, row := range q.Message.Message.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == q.Data {
				return b.Text
			}
		}
	}
	return ""
}

// closePanels closes what the handler left to close: each panel is edited into its question
// and the answer (PanelAnswer, else the pressed label), without buttons; a panel whose text is
// unknown, or whose edit fails (too long with the answer), just loses its buttons.
func (r *Request) closePanels(ctx context.Context) {
	p := r.panelState()
	for _, id := range p.closing {
		if p.shown[id] || id == p.id {
			continue
		}
		answer := r.PanelAnswer
		if answer == "" {
			answer = r.pressedLabel(id)
		}
		if text := p.texts[id]; text != "" && answer != "" {
			if err := r.App.Edit(ctx, r.ChatID, id, text+"\n\n"+r.T("panel_answer", map[string]any{"Answer": answer}), nil); err == nil {
				continue
			}
		}
		if err := r.App.EditMarkup(ctx, r.ChatID, id, nil); err != nil {
			r.App.Log.Warn("panel not closed", "chat_id", r.ChatID, "message_id", id, "err", err)
		}
	}
	p.closing = nil
}
