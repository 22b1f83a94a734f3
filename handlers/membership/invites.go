package membership

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"focalbot/bot"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /invites (admins): the open invitations — not used, not expired, not revoked — with who made
// each and until when it is valid, and a Revoke button for each (ivr:<invite id>). A revoked
// code gets the invalid-code answer, also from someone who began registering with it.

func invitesList(ctx context.Context, r *bot.Request) error {
	text, kb, err := openInvitesPanel(ctx, r)
	if err != nil {
		return err
	}
	return ui.Show(ctx, r, text, kb)
}

func openInvitesPanel(ctx context.Context, r *bot.Request) (string, *bot.Keyboard, error) {
	open, err := store.OpenInvites(ctx, r.App.Store.DB, r.App.Clock.Now())
	if err != nil {
		return "", nil, err
	}
	if len(open) == 0 {
		return r.T("invites_none", nil), nil, nil
	}
	lines := []string{r.T("invites_header", map[string]any{"Count": len(open)})}
	var bs []bot.Button
	for _, inv := range open {
		by := inv.CreatorName
		if inv.CreatedBy == nil {
			by = r.T("invites_by_cli", nil)
		}
		id := strconv.FormatInt(inv.ID, 10)
		lines = append(lines, r.T("invites_item", map[string]any{
			"ID": id, "Country": ui.CountryLabel(r, r.Lang, inv.Country), "Role": ui.RoleLabel(r.App, r.Lang, inv.Role),
			"Agency": ui.AgencyLabel(r.App, r.Lang, inv.Agency), "By": by, "Expires": ui.Time(r.Member, inv.ExpiresAt),
		}))
		bs = append(bs, bot.Button{Text: r.T("btn_invite_revoke", map[string]any{"ID": id}), CallbackData: bot.CB(verbInviteRevoke, inv.ID)})
	}
	return strings.Join(lines, "\n\n"), ui.Grid(bs, 3), nil
}

// revokeInvite handles ivr:<invite id>.
func revokeInvite(ctx context.Context, r *bot.Request) error {
	id := r.Data().ID(0)
	if id <= 0 {
		return forgedButton(ctx, r)
	}
	_, err := store.RevokeInvite(ctx, r.App.Store.DB, id, &r.Member.ID, r.App.Clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		r.Answer(ctx, "invites_not_open", nil)
	case err != nil:
		return err
	default:
		r.Answer(ctx, "invites_revoked", map[string]any{"ID": strconv.FormatInt(id, 10)})
	}
	return invitesList(ctx, r)
}
