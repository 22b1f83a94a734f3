package membership

import (
	"context"

	"focalbot/bot"
	"focalbot/bot/store"
)

// start greets a member; "/start <code>" registers with an invitation; an outsider learns
// that this is a closed network and may ask for access; anyone else gets the closed-network
// answer and nothing more.
func start(ctx context.Context, r *bot.Request) error {
	if _, code := r.Command(); code != "" && !store.IsSecretMarker(code) { // the marker: reloaded from the inbox
		return startWithCode(ctx, r, code)
	}
	m := r.Member
	switch {
	case m != nil && m.Active():
		r.App.RefreshMenu(ctx, m)
		return r.Reply(ctx, "start_member", map[string]any{"Name": displayName(r)}, nil)
	case m == nil:
		return r.Reply(ctx, "closed_network", nil, requestAccessKeyboard(r))
	}
	r.App.RefreshMenu(ctx, m) // a suspended member's chat falls back to the outsider menu
	return closedNetwork(ctx, r)
}

// requestAccessKeyboard is the "Request access" button offered to an outsider — someone with
// no member record at all — wherever they first meet the bot: /start, /help, free text. A
// pending, refused or suspended person never gets it (their request is on record already).
func requestAccessKeyboard(r *bot.Request) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(bot.Button{Text: r.T("btn_request_access", nil), CallbackData: bot.CB(verbJoin)})
}

// closedNetwork is the only answer an outsider, a pending or a suspended member ever gets.
func closedNetwork(ctx context.Context, r *bot.Request) error {
	return r.Reply(ctx, "closed_network", nil, nil)
}

// displayName is how we address the person: the name they confirmed, else Telegram's.
func displayName(r *bot.Request) string {
	if r.Member != nil && r.Member.DisplayName != "" {
		return r.Member.DisplayName
	}
	if r.From != nil {
		return r.From.FirstName
	}
	return ""
}

// barred reports whether the person is a suspended or unreachable member.
func barred(m *store.Member) bool { return m != nil && !m.Active() && m.State != store.StatePending }
