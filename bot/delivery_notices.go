package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// registerDeliveryNotices registers the renderers of the dispatcher's notices to admins: a
// member who cannot be reached, deliveries that failed for good.
func (a *App) registerDeliveryNotices() {
	a.Renderer(delivery.KindMemberUnreachable, a.renderMemberUnreachable)
	a.Renderer(delivery.KindDeliveryFailed, a.renderDeliveryFailed)
}

func langOf(m *store.Member) string {
	if m.Language == "" {
		return i18n.Default
	}
	return m.Language
}

func (a *App) renderMemberUnreachable(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
	m, err := store.MemberByID(ctx, a.Store.DB, row.RefID)
	if errors.Is(err, store.ErrNotFound) {
		return delivery.Message{}, fmt.Errorf("member #%d: %w", row.RefID, delivery.ErrSkip)
	}
	if err != nil {
		return delivery.Message{}, err
	}
	if m.State != store.StateUnreachable { // back already: nothing to tell
		return delivery.Message{}, fmt.Errorf("member #%d is %s: %w", m.ID, m.State, delivery.ErrSkip)
	}
	name := m.DisplayName
	if name == "" {
		name = strconv.FormatInt(m.TelegramUserID, 10)
	}
	country := ""
	if m.Country != nil {
		country = *m.Country
	}
	return delivery.Message{Text: a.I18n.T(langOf(to), "delivery_member_unreachable", map[string]any{
		"Name": name, "Country": country, "TelegramID": strconv.FormatInt(m.TelegramUserID, 10),
	})}, nil
}

func (a *App) renderDeliveryFailed(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
	kind := row.Variant // the failed thing's kind; RefID is its ref
	c, err := delivery.CountsFor(ctx, a.Store.DB, kind, row.RefID)
	if err != nil {
		return delivery.Message{}, err
	}
	if c.Failed == 0 {
		return delivery.Message{}, fmt.Errorf("no failed delivery of %s #%d: %w", kind, row.RefID, delivery.ErrSkip)
	}
	lastErr, err := delivery.LastErrorFor(ctx, a.Store.DB, kind, row.RefID)
	if err != nil {
		return delivery.Message{}, err
	}
	return delivery.Message{Text: a.I18n.N(langOf(to), "delivery_failed", c.Failed, map[string]any{
		"Kind": kind, "Ref": strconv.FormatInt(row.RefID, 10), "Sent": c.Sent, "Error": lastErr,
	})}, nil
}
