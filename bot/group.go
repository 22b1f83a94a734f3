package bot

import (
	"context"

	"focalbot/bot/store"
)

// The bot works in private chats only: network content must not reach a group whose members
// nobody vetted. Added to a group, it says so and leaves (handlers/membership). Traffic from a
// group it is still in — the my_chat_member update was missed, or its leaveChat failed — gets
// the same notice once (store.TellGroup keeps that it was given, across restarts) and another
// attempt to leave, silent from then on.

// LeaveGroup tells the group chatID, in lang, that the bot works in private chats only, and
// leaves it. again says the bot was just added (tell even if told before); otherwise the
// notice is given only if the group was never told.
func (a *App) LeaveGroup(ctx context.Context, chatID int64, lang string, again bool) error {
	tell, err := store.TellGroup(ctx, a.Store.DB, chatID, a.Clock.Now(), again)
	if err != nil {
		return err
	}
	if tell {
		if _, err := a.Send(ctx, chatID, "group_notice", a.I18n.T(lang, "group_private_only", nil), nil); err != nil {
			a.Log.Warn("group notice not sent", "chat_id", chatID, "err", err)
		}
	}
	if err := a.LeaveChat(ctx, chatID); err != nil {
		a.Log.Warn("group not left", "chat_id", chatID, "err", err)
		return nil
	}
	a.Log.Info("left a group", "chat_id", chatID)
	return nil
}

// strayGroup handles traffic from a group: a button pressed there is answered (its spinner
// stops), and the bot leaves.
func (a *App) strayGroup(ctx context.Context, r *Request) {
	if q := r.Update.CallbackQuery; q != nil {
		if err := a.AnswerCallback(ctx, r.ChatID, q.ID, ""); err != nil {
			a.Log.Warn("button not answered", "chat_id", r.ChatID, "err", err)
		}
	}
	if r.ChatID >= 0 { // a channel post: no chat of ours to leave
		return
	}
	if r.From != nil {
		r.Lang = a.I18n.Match(r.From.LanguageCode)
	}
	if err := a.LeaveGroup(ctx, r.ChatID, r.Lang, false); err != nil {
		if a.dbUnavailable(ctx, err) {
			// Handled again once the database answers, without a notice to the group.
			setOutcome(ctx, outcomeUnavailable)
		}
		a.Log.Warn("stray group not handled", "chat_id", r.ChatID, "err", err)
	}
}
