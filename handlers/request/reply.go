package request

import (
	"context"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// The buttons of a request's recipients (Reply, I am handling it, Decline) and of its
// requester (Answer, Close), and the short conversation that writes a reply, an answer or
// the reason of a decline. Every press re-reads the request and the presser's place in it
// inside the transaction that changes it (the request's row is locked), so double, late and
// forged presses find the current state.
//
// In confidential mode (CONFIDENTIAL_CONTENT) replies, answers and declines are written on the
// request's Mini App page, so that their text does not go through Telegram: Reply, Answer and
// Decline (on messages sent before the switch) answer with Open to it (writeInApp), and a
// conversation begun before the switch ends at its next step (movedToAppWrite).

const writeFlow = "rfi_write"

// write is a reply, answer or decline being written.
type write struct {
	RFIID int64      `json:"rfi_id"`
	Mode  string     `json:"mode"` // reply | answer | decline
	Body  string     `json:"body,omitempty"`
	Files []rfi.File `json:"files,omitempty"`
}

// asTarget loads the request of a pressed button and checks that the presser is one of
// its targets. Someone who may see the thread but is no target is told so; anyone else gets
// the answer of a request that does not exist.
func asTarget(ctx context.Context, r *bot.Request, q store.Querier, x *store.RFI) (*store.RFIRecipient, error) {
	rc, err := store.RFIRecipientOf(ctx, q, x.ID, r.Member.ID)
	if err == nil && rc.Role == store.RFITarget {
		return rc, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if ok, err := canSee(ctx, q, r.Member, x); err != nil {
		return nil, err
	} else if ok {
		return nil, bot.Tell("rfi_not_yours", map[string]any{"Ref": x.Ref})
	}
	return nil, bot.Tell("rfi_no_such", nil)
}

// replyButton starts a reply. On a closed request the reply is still taken, and the
// person is told first that it will reach the requester as a late answer.
func replyButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	if _, err := asTarget(ctx, r, r.App.Store.DB, x); err != nil {
		return err
	}
	if r.App.Confidential() {
		return writeInApp(ctx, r, x)
	}
	if err := r.SaveConv(ctx, writeFlow, "write", write{RFIID: x.ID, Mode: "reply"}); err != nil {
		return err
	}
	id := "rfi_write_reply"
	if !x.Open() {
		id = "rfi_write_reply_closed"
	}
	return r.Reply(ctx, id, map[string]any{"Ref": x.Ref}, writeCancel(r))
}

// answerButton lets the requester answer back in the thread.
func answerButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	if x.RequesterID != r.Member.ID {
		return notRequester(ctx, r, x)
	}
	if !x.Open() {
		return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
	}
	if r.App.Confidential() {
		return writeInApp(ctx, r, x)
	}
	if err := r.SaveConv(ctx, writeFlow, "write", write{RFIID: x.ID, Mode: "answer"}); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_write_answer", map[string]any{"Ref": x.Ref}, writeCancel(r))
}

// declineButton asks for the reason of a decline.
func declineButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	rc, err := asTarget(ctx, r, r.App.Store.DB, x)
	if err != nil {
		return err
	}
	switch {
	case !x.Open():
		return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
	case rc.State == store.RFIDeclined:
		return bot.Tell("rfi_declined_already", map[string]any{"Ref": x.Ref})
	}
	if r.App.Confidential() {
		return writeInApp(ctx, r, x)
	}
	if err := r.SaveConv(ctx, writeFlow, "reason", write{RFIID: x.ID, Mode: "decline"}); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_write_decline", map[string]any{"Ref": x.Ref}, writeCancel(r))
}

func notRequester(ctx context.Context, r *bot.Request, x *store.RFI) error {
	if ok, err := canSee(ctx, r.App.Store.DB, r.Member, x); err != nil {
		return err
	} else if ok {
		return bot.Tell("rfi_not_requester", map[string]any{"Ref": x.Ref})
	}
	return bot.Tell("rfi_no_such", nil)
}

// writeInApp answers Reply, Answer or Decline pressed in confidential mode (a button of a
// message sent before the switch): the text is written on the request's Mini App page, under
// the Open button to it; no conversation begins in the chat.
func writeInApp(ctx context.Context, r *bot.Request, x *store.RFI) error {
	return r.Reply(ctx, "rfi_conf_write", map[string]any{"Ref": x.Ref}, (&bot.Keyboard{}).Row(r.App.AppButton(r.Lang, "/app/requests/"+x.Ref)))
}

// movedToAppWrite ends a reply, answer or decline begun in the chat before confidential mode
// was switched on (the bot restarted with it), at its next step, typed or pressed: nothing more
// of it is typed into Telegram. What was written so far is not sent (the Mini App keeps no
// draft of it); the person is told so, under the Open button to the request's page, where it is
// written again.
func movedToAppWrite(ctx context.Context, r *bot.Request, w *write) error {
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	x, err := store.RFIByID(ctx, r.App.Store.DB, w.RFIID, false)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("rfi_no_such", nil)
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_conf_write_moved", map[string]any{"Ref": x.Ref}, (&bot.Keyboard{}).Row(r.App.AppButton(r.Lang, "/app/requests/"+x.Ref)))
}

func writeCancel(r *bot.Request) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbSend, "cancel")})
}

// writeInput takes the text, photos and documents of a reply or answer, and the reason of
// a decline (text only).
func writeInput(ctx context.Context, r *bot.Request) error {
	var w write
	if err := r.ConvData(&w); err != nil {
		return err
	}
	if r.App.Confidential() {
		return movedToAppWrite(ctx, r, &w)
	}
	if r.Conv.Step == "reason" {
		m := r.Update.Message
		reason := strings.TrimSpace(m.Text)
		if reason == "" || len(m.Photo) > 0 || m.Document != nil {
			return bot.Tell("rfi_decline_text_only", nil)
		}
		if n := alert.UTF16Len(reason); n > maxBody {
			return bot.Tell("rfi_too_long", map[string]any{"Max": maxBody, "Len": n})
		}
		if err := fitsRendered(r, reason); err != nil {
			return err
		}
		return decline(ctx, r, w.RFIID, reason)
	}
	if err := collect(r, &w.Body, &w.Files); err != nil {
		return err
	}
	if err := r.SaveConv(ctx, writeFlow, "write", w); err != nil {
		return err
	}
	// Send names its request ("rfisend:s:ID"), so that a second press, after the
	// conversation ended, can be told that this was sent already.
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_send", nil), CallbackData: bot.CB(verbSend, "s", w.RFIID)},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbSend, "cancel")})
	return r.Reply(ctx, "rfi_added_send", nil, kb)
}

// writeSendButton sends what was written (or cancels it). Send buttons of older
// messages carry no request ("rfisend").
func writeSendButton(ctx context.Context, r *bot.Request) error {
	data := r.Data()
	var pressedID int64 // the request of the pressed Send button; 0 for an old button or Cancel
	switch data.Arg(0) {
	case "s":
		if pressedID = data.ID(1); pressedID == 0 {
			return r.Stale(ctx)
		}
	case "", "cancel":
	default:
		return r.Stale(ctx)
	}
	if r.Conv == nil || r.Conv.Flow != writeFlow {
		return sendPressedAgain(ctx, r, pressedID)
	}
	if r.App.Confidential() {
		var w write
		if err := r.ConvData(&w); err != nil {
			return err
		}
		return movedToAppWrite(ctx, r, &w)
	}
	if data.Arg(0) == "cancel" {
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return r.Reply(ctx, "cancelled", nil, nil)
	}
	var w write
	if err := r.ConvData(&w); err != nil {
		return err
	}
	if r.Conv.Step != "write" || (pressedID != 0 && pressedID != w.RFIID) {
		// The Send of another, finished reply: never send this one's draft from it.
		return sendPressedAgain(ctx, r, pressedID)
	}
	if strings.TrimSpace(w.Body) == "" && len(w.Files) == 0 {
		return bot.Tell("rfi_empty_reply", nil)
	}
	if w.Mode == "answer" {
		return answer(ctx, r, &w)
	}
	return reply(ctx, r, &w)
}

// sendPressedAgain answers a Send pressed when its writing is over. Pressed twice, the
// reply or answer went out with the first press: the person is told it was sent (not asked
// to start again, which would make them think it was lost). When nothing of theirs is in
// that thread (the writing was cancelled) the button is merely stale.
func sendPressedAgain(ctx context.Context, r *bot.Request, rfiID int64) error {
	if rfiID == 0 {
		return r.Stale(ctx)
	}
	x, err := store.RFIByID(ctx, r.App.Store.DB, rfiID, false)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("rfi_no_such", nil)
	}
	if err != nil {
		return err
	}
	msgs, err := store.RFIMessages(ctx, r.App.Store.DB, x.ID)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.AuthorID != nil && *m.AuthorID == r.Member.ID && (m.Kind == store.RFIMsgReply || m.Kind == store.RFIMsgAnswer) {
			return bot.Tell("rfi_already_sent", map[string]any{"Ref": x.Ref})
		}
	}
	return r.Stale(ctx)
}

// reply relays a target's reply to the requester and CARICC. After the request was
// closed it is still relayed, marked as a late answer, and the replier is told.
func reply(ctx context.Context, r *bot.Request, w *write) error {
	a, me := r.App, r.Member
	now := a.Clock.Now()
	var x *store.RFI
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if x, err = store.RFIByID(ctx, tx, w.RFIID, true); err != nil {
			return err
		}
		if _, err := asTarget(ctx, r, tx, x); err != nil {
			return err
		}
		_, err = rfi.Reply(ctx, tx, x, me, w.Body, r.Lang, w.Files, now)
		return err
	})
	if err != nil {
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	if !x.Open() {
		return r.Reply(ctx, "rfi_reply_late", map[string]any{"Ref": x.Ref}, nil)
	}
	return r.Reply(ctx, "rfi_reply_sent", map[string]any{"Ref": x.Ref}, nil)
}

// answer relays the requester's answer back to the targets (who have not declined) and
// CARICC.
func answer(ctx context.Context, r *bot.Request, w *write) error {
	a, me := r.App, r.Member
	now := a.Clock.Now()
	var x *store.RFI
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if x, err = store.RFIByID(ctx, tx, w.RFIID, true); err != nil {
			return err
		}
		if x.RequesterID != me.ID {
			return bot.Tell("rfi_not_requester", map[string]any{"Ref": x.Ref})
		}
		if !x.Open() {
			return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
		}
		return rfi.Answer(ctx, tx, x, me, w.Body, r.Lang, w.Files, now)
	})
	if err != nil {
		if _, ok := bot.IsUserError(err); ok {
			_ = r.EndConv(ctx) // the answer cannot go anywhere any more
		}
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_answer_sent", map[string]any{"Ref": x.Ref}, nil)
}

// decline records a decline with its reason and tells the requester and CARICC; if the
// decliner was handling the request, the others of their country are told it is open again.
func decline(ctx context.Context, r *bot.Request, rfiID int64, reason string) error {
	a, me := r.App, r.Member
	now := a.Clock.Now()
	var x *store.RFI
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if x, err = store.RFIByID(ctx, tx, rfiID, true); err != nil {
			return err
		}
		rc, err := asTarget(ctx, r, tx, x)
		if err != nil {
			return err
		}
		if !x.Open() {
			return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
		}
		return rfi.Decline(ctx, tx, x, rc, me, reason, r.Lang, now)
	})
	if err != nil {
		if _, ok := bot.IsUserError(err); ok {
			_ = r.EndConv(ctx)
		}
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_declined_ok", map[string]any{"Ref": x.Ref}, nil)
}

// takeButton is "I am handling it": one member per country at a time; the others of the
// country, and the requester, see who took it.
func takeButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	a, me := r.App, r.Member
	now := a.Clock.Now()
	err = a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if x, err = store.RFIByID(ctx, tx, x.ID, true); err != nil {
			return err
		}
		rc, err := asTarget(ctx, r, tx, x)
		if err != nil {
			return err
		}
		switch {
		case !x.Open():
			return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
		case rc.State == store.RFIHandling:
			return bot.Tell("rfi_take_already_you", map[string]any{"Ref": x.Ref})
		case rc.State == store.RFIReplied:
			return bot.Tell("rfi_take_replied", map[string]any{"Ref": x.Ref})
		}
		holder, err := store.RFIHolder(ctx, tx, x.ID, rc.Pool)
		switch {
		case err == nil:
			h, err := store.MemberByID(ctx, a.Store.DB, holder)
			if err != nil {
				return err
			}
			return bot.Tell("rfi_taken_by_other", map[string]any{"Ref": x.Ref, "Who": who(a, r.Lang, h)})
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := store.SetRFIRecipientState(ctx, tx, x.ID, me.ID, store.RFIHandling, now); err != nil {
			return err
		}
		if err := post(ctx, tx, x, "pool:"+rc.Pool, store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgTaken, CreatedAt: now}, nil, x.RequesterID); err != nil {
			return err
		}
		return audit(ctx, tx, me, "rfi_taken", x, map[string]any{"ref": x.Ref, "pool": rc.Pool})
	})
	if err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_taken_ok", map[string]any{"Ref": x.Ref}, nil)
}

// closeButton closes a request; only its requester may, once.
func closeButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	if x.RequesterID != r.Member.ID {
		return notRequester(ctx, r, x)
	}
	a, me := r.App, r.Member
	now := a.Clock.Now()
	err = a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		closed, err := rfi.Close(ctx, tx, x, me, now)
		if err != nil {
			return err
		}
		if !closed {
			return bot.Tell("rfi_closed_already", map[string]any{"Ref": x.Ref})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_closed_ok", map[string]any{"Ref": x.Ref}, nil)
}
