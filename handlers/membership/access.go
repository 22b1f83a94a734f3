package membership

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Access requests: an outsider presses "Request access" under the closed-network answer, is
// asked who they are and which unit (one line), and with that line becomes a pending member;
// the admins get it with Approve / Reject buttons. Of two admins deciding at once exactly one
// wins (a conditional update); the other is told who decided.

const (
	flowJoin = "join"
	// maxAccessNote bounds the visitor's line about themselves: a name, a position, an agency
	// and a post fit in it.
	maxAccessNote = 200
)

// requestAccess handles the "join" button: it asks the visitor who they are.
func requestAccess(ctx context.Context, r *bot.Request) error {
	switch m := r.Member; {
	case m != nil && m.Active():
		r.Answer(ctx, "reg_already_member", nil)
		return nil
	case m != nil && m.State == store.StatePending:
		r.Answer(ctx, "join_already", nil)
		return nil
	case m != nil:
		return closedNetwork(ctx, r) // suspended, refused or unreachable
	}
	if err := r.SaveConv(ctx, flowJoin, "who", nil); err != nil {
		return err
	}
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		// The button has been pressed: it goes, so that the question is the one thing to answer.
		if err := r.App.EditMarkup(ctx, r.ChatID, q.Message.Message.ID, nil); err != nil {
			r.App.Log.Warn("request access button not removed", "chat_id", r.ChatID, "err", err)
		}
	}
	return r.Reply(bot.Solicited(ctx), "join_ask_who", map[string]any{"Max": maxAccessNote}, nil)
}

// accessNote makes the visitor's typed text one line, without the direction controls that
// could reorder the admins' message around it (the text is escaped and isolated where it is
// shown), and reports whether it is acceptable: not empty, at most maxAccessNote characters.
func accessNote(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	return s, n > 0 && n <= maxAccessNote
}

// joinText takes the visitor's line about themselves and files the request: a pending member,
// its audit entry and the admins' messages, in one transaction with the end of the
// conversation.
func joinText(ctx context.Context, r *bot.Request) error {
	if r.Member != nil { // known meanwhile (a second request, an invitation): as for a press
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		if r.Member.Active() {
			return r.Reply(ctx, "reg_already_member", nil, nil)
		}
		return closedNetwork(ctx, r)
	}
	note, ok := accessNote(r.Text())
	if !ok || r.Update.Message.Text == "" {
		return bot.Tell("reg_text_invalid", map[string]any{"Max": maxAccessNote})
	}
	st := r.App.Store
	name := strings.TrimSpace(r.From.FirstName + " " + r.From.LastName)
	if name, _ = ui.CleanLine(name); len([]rune(name)) > ui.MaxNameLen {
		name = string([]rune(name)[:ui.MaxNameLen]) // Telegram's own name, for the admins' eyes only
	}
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		id, err := store.RequestAccess(ctx, tx, store.Member{TelegramUserID: r.From.ID, ChatID: r.ChatID, DisplayName: name,
			Language: r.Lang, AccessNote: note})
		if err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &id, Action: "access_requested", SubjectID: &id,
			After: map[string]any{"telegram_user_id": r.From.ID, "username": r.From.Username, "display_name": name,
				"access_note": note, "state": store.StatePending}}); err != nil {
			return err
		}
		if err := store.EndConversation(ctx, tx, r.From.ID); err != nil {
			return err
		}
		return tellAdmins(ctx, tx, st, "access_request", id)
	})
	if errors.Is(err, store.ErrNotFound) { // a request filed meanwhile
		_ = r.EndConv(ctx)
		return r.Reply(ctx, "join_already", nil, nil)
	}
	if err != nil {
		return err
	}
	return r.Reply(bot.Solicited(ctx), "join_sent", nil, nil) // once per person: the request is on record now
}

// decideAccess handles acc:ok:<member id> and acc:no:<member id> (admins only).
func decideAccess(ctx context.Context, r *bot.Request) error {
	parts := r.Data().Parts()
	id, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if len(parts) != 3 || (parts[1] != "ok" && parts[1] != "no") || err != nil {
		return forgedButton(ctx, r)
	}
	approve := parts[1] == "ok"
	st, now, admin := r.App.Store, r.App.Clock.Now(), r.Member
	var m *store.Member
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		to, action := store.StateActive, "access_approved"
		if !approve {
			// A refused request stays on record as suspended, so the same person cannot
			// flood the admins with new requests; an admin can still reactivate them.
			to, action = store.StateSuspended, "access_refused"
		}
		var err error
		m, err = store.ChangeState(ctx, tx, id, []string{store.StatePending}, to, &admin.ID, now)
		if err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &admin.ID, Action: action, SubjectID: &id,
			Before: map[string]any{"state": store.StatePending}, After: members.AuditView(m)}); err != nil {
			return err
		}
		if !approve {
			return store.EndConversation(ctx, tx, m.TelegramUserID)
		}
		_, err = delivery.Enqueue(ctx, tx, []delivery.Item{{MemberID: id, ChatID: m.ChatID, Kind: "access_approved", RefID: id, Priority: delivery.High}})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return alreadyDecided(ctx, r, id)
	}
	if err != nil {
		return err
	}
	r.App.RefreshMenu(ctx, m)
	if !approve {
		// The outbox delivers to active members only (nothing reaches an outsider through
		// it), so the refusal — which holds no network content — is sent directly. Should
		// this send fail, the person still gets the closed-network answer on their next try.
		lang := ui.MemberLang(r.App, m)
		if _, err := r.App.Send(ctx, m.ChatID, "access_refused", r.App.I18n.T(lang, "access_refused", nil), nil); err != nil {
			r.App.Log.Warn("refusal not delivered", "member_id", m.ID, "err", err)
		}
		return ui.Show(ctx, r, r.T("acc_refused_admin", map[string]any{"Name": m.DisplayName}), nil)
	}
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("btn_open_card", nil), CallbackData: bot.CB(verbMembers, "c", m.ID)})
	return ui.Show(ctx, r, r.T("acc_approved_admin", map[string]any{"Name": m.DisplayName}), kb)
}

// alreadyDecided tells an admin who came second who decided, and how.
func alreadyDecided(ctx context.Context, r *bot.Request, id int64) error {
	who, action, err := store.LastDecider(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		r.Answer(ctx, "button_stale", nil) // decided otherwise (an invitation, the CLI) or no such request
		return nil
	}
	if err != nil {
		return err
	}
	msg := "acc_already_approved"
	if action == "access_refused" {
		msg = "acc_already_refused"
	}
	return r.Reply(ctx, msg, map[string]any{"Admin": who.DisplayName}, nil)
}

// forgedButton answers a button whose data no button of ours carries, and records it.
func forgedButton(ctx context.Context, r *bot.Request) error {
	var actor *int64
	if r.Member != nil {
		actor = &r.Member.ID
	}
	if err := store.Audit(ctx, r.App.Store.DB, store.AuditEntry{ActorID: actor, Action: "callback_forged",
		After: map[string]any{"telegram_user_id": r.From.ID, "data": r.CallbackData()}}); err != nil {
		return err
	}
	return r.Stale(ctx)
}

// renderAccessRequest shows an admin a request with the buttons to decide it; a request
// decided before this is sent is not sent at all.
func renderAccessRequest(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		m, err := store.MemberByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		if m.State != store.StatePending {
			return delivery.Message{}, fmt.Errorf("request of #%d decided: %w", m.ID, delivery.ErrSkip)
		}
		lang := ui.MemberLang(a, to)
		who := m.AccessNote
		if who == "" {
			who = "—" // a request filed before visitors were asked
		}
		text := a.I18n.T(lang, "admin_access_request_who", map[string]any{"Who": who,
			"Name": m.DisplayName, "TelegramID": strconv.FormatInt(m.TelegramUserID, 10), "Language": ui.LanguageName(m.Language),
		})
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: a.I18n.T(lang, "btn_approve", nil), CallbackData: bot.CB(verbAccess, "ok", m.ID)},
			bot.Button{Text: a.I18n.T(lang, "btn_reject", nil), CallbackData: bot.CB(verbAccess, "no", m.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}

// renderAccessApproved tells the person they are in: their request was approved.
func renderAccessApproved(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return delivery.Message{Text: a.I18n.T(ui.MemberLang(a, to), "access_approved", nil)}, nil
	}
}

// renderAccessRestored tells a reactivated member they are in again.
func renderAccessRestored(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return delivery.Message{Text: a.I18n.T(ui.MemberLang(a, to), "access_restored", nil)}, nil
	}
}
