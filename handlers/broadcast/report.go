package broadcast

import (
	"context"
	"strings"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /broadcasts: an author's broadcasts with delivered / acknowledged / failed counts, and per
// broadcast who is missing.

const listLimit = 10

// list lists the author's latest broadcasts, with a details button for each one sent and a
// cancel button for each one still scheduled.
func list(ctx context.Context, r *bot.Request) error {
	a := r.App
	list, err := store.BroadcastsByAuthor(ctx, a.Store.DB, r.Member.ID, listLimit)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return r.Reply(ctx, "bc_list_empty", nil, nil)
	}
	var lines []string
	kb := &bot.Keyboard{}
	for i := range list {
		b := &list[i]
		line, err := summaryLine(ctx, r, b)
		if err != nil {
			return err
		}
		lines = append(lines, line)
		switch b.State {
		case store.BroadcastSent:
			kb.Row(bot.Button{Text: r.T("bc_btn_details", map[string]any{"ID": b.ID}), CallbackData: bot.CB(verbReport, b.ID)})
		case store.BroadcastScheduled:
			kb.Row(bot.Button{Text: r.T("bc_btn_cancel_id", map[string]any{"ID": b.ID}), CallbackData: bot.CB(verbCancel, b.ID)})
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		kb = nil
	}
	return ui.SendLines(ctx, r, r.T("bc_list_title", nil), lines, kb)
}

// snippet is the beginning of the broadcast's fallback text, so the author knows which it is.
func snippet(ctx context.Context, r *bot.Request, b *store.Broadcast) (string, error) {
	if b.Confidential {
		return r.T("bc_btn_confidential", nil), nil // its text stays off Telegram
	}
	texts, err := store.BroadcastTexts(ctx, r.App.Store.DB, b.ID)
	if err != nil {
		return "", err
	}
	t := []rune(strings.Join(strings.Fields(texts[b.FallbackLang]), " "))
	if len(t) > 40 {
		return string(t[:40]) + "…", nil
	}
	return string(t), nil
}

// summaryLine is one broadcast in the list.
func summaryLine(ctx context.Context, r *bot.Request, b *store.Broadcast) (string, error) {
	a := r.App
	snippet, err := snippet(ctx, r, b)
	if err != nil {
		return "", err
	}
	data := map[string]any{"ID": b.ID, "Snippet": snippet, "Audience": i18n.HTML(audienceText(a, r.Lang, b))}
	switch b.State {
	case store.BroadcastScheduled:
		data["When"] = ui.Time(r.Member, *b.ScheduledFor)
		return r.T("bc_line_scheduled", data), nil
	case store.BroadcastCancelled:
		return r.T("bc_line_cancelled", data), nil
	}
	c, err := delivery.CountsFor(ctx, a.Store.DB, kind, b.ID)
	if err != nil {
		return "", err
	}
	data["When"] = ui.Time(r.Member, *b.SentAt)
	data["Recipients"] = b.Recipients
	data["Delivered"] = c.Sent
	data["Failed"] = c.Failed + c.Cancelled
	data["Pending"] = c.Pending
	if b.AckRequested {
		n, err := store.BroadcastAckCount(ctx, a.Store.DB, b.ID)
		if err != nil {
			return "", err
		}
		data["Acked"] = n
		return r.T("bc_line_sent_ack", data), nil
	}
	return r.T("bc_line_sent", data), nil
}

// reportPress shows one broadcast's counts and who is missing: those who have not
// acknowledged when an acknowledgement was asked for, else those it did not reach.
func reportPress(ctx context.Context, r *bot.Request) error {
	a := r.App
	b, err := pressed(ctx, r)
	if b == nil || err != nil {
		return err
	}
	if b.State != store.BroadcastSent {
		r.Answer(ctx, "bc_not_sent", nil)
		return nil
	}
	head, err := summaryLine(ctx, r, b)
	if err != nil {
		return err
	}
	states, err := store.BroadcastRecipientStates(ctx, a.Store.DB, b.ID)
	if err != nil {
		return err
	}
	var missing []string
	for _, s := range states {
		if (b.AckRequested && s.AckedAt == nil) || (!b.AckRequested && s.Delivery != "sent") {
			name, where := ui.MemberParts(a, r.Lang, &store.Member{ID: s.MemberID, DisplayName: s.DisplayName,
				Country: s.Country, Unit: s.Unit, Agency: s.Agency})
			missing = append(missing, r.T("bc_missing_line", map[string]any{
				"Name": name, "Country": where, "Delivery": i18n.HTML(r.T("bc_delivery_"+deliveryState(s.Delivery), nil))}))
		}
	}
	title := "bc_missing_delivery"
	if b.AckRequested {
		title = "bc_missing_ack"
	}
	lines := []string{head, ""}
	if len(missing) == 0 {
		lines = append(lines, r.T("bc_missing_none", nil))
	} else {
		lines = append(lines, a.I18n.N(r.Lang, title, len(missing), nil))
		lines = append(lines, missing...)
	}
	return ui.SendLines(ctx, r, r.T("bc_report_title", map[string]any{"ID": b.ID}), lines, nil)
}

// deliveryState folds the outbox states into those shown.
func deliveryState(s string) string {
	switch s {
	case "sent", "failed", "cancelled":
		return s
	}
	return "pending"
}
