package membership

import (
	"context"
	"slices"
	"strconv"
	"time"

	"focalbot/bot"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /invite: an admin picks country, role, agency and lifetime with buttons and gets a single-use
// link. The choices so far travel in the callback data (inv:c, inv:r:CC, inv:a:CC:role,
// inv:t:CC:role:agency:hours), checked against the vocabularies at every step because
// callback data can be forged. "-" is "no country". Every step has Cancel (inv:cancel), and
// every step after the first Back to the one before (the same data that led to it).

var inviteLifetimes = []int{24, 72, 168} // hours

func invite(ctx context.Context, r *bot.Request) error {
	return ui.Show(ctx, r, r.T("inv_choose_country", nil), inviteCountries(r))
}

func inviteCountries(r *bot.Request) *bot.Keyboard {
	var bs []bot.Button
	for _, cc := range store.NetworkCountries {
		bs = append(bs, bot.Button{Text: ui.CountryLabel(r, r.Lang, &cc), CallbackData: bot.CB(verbInvite, "r", cc)})
	}
	bs = append(bs, bot.Button{Text: r.T("country_none", nil), CallbackData: bot.CB(verbInvite, "r", "-")})
	return inviteNav(r, ui.Grid(bs, 2), "")
}

// inviteNav adds the wizard's last row to a step's keyboard: Back (to the step whose
// callback data is back; none on the first step) and Cancel.
func inviteNav(r *bot.Request, kb *bot.Keyboard, back string) *bot.Keyboard {
	var row []bot.Button
	if back != "" {
		row = append(row, bot.Button{Text: r.T("btn_back", nil), CallbackData: back})
	}
	row = append(row, bot.Button{Text: r.T("inv_btn_cancel", nil), CallbackData: bot.CB(verbInvite, "cancel")})
	return kb.Row(row...)
}

// inviteButton handles every step after the country.
func inviteButton(ctx context.Context, r *bot.Request) error {
	if r.CallbackData() == bot.CB(verbInvite, "cancel") {
		// Nothing is stored before the last step, so cancelling only closes the wizard.
		return ui.Show(ctx, r, r.T("inv_cancelled", nil), nil)
	}
	if r.CallbackData() == bot.CB(verbInvite, "c") {
		return ui.Show(ctx, r, r.T("inv_choose_country", nil), inviteCountries(r))
	}
	p := r.Data().Parts()
	if len(p) < 3 || (p[2] != "-" && !slices.Contains(store.NetworkCountries, p[2])) {
		return forgedButton(ctx, r)
	}
	cc := p[2]
	switch {
	case p[1] == "r" && len(p) == 3:
		var bs []bot.Button
		for _, role := range store.Roles {
			bs = append(bs, bot.Button{Text: ui.RoleLabel(r.App, r.Lang, role), CallbackData: bot.CB(verbInvite, "a", cc, role)})
		}
		return ui.Show(ctx, r, r.T("inv_choose_role", nil), inviteNav(r, ui.Grid(bs, 2), bot.CB(verbInvite, "c")))
	case p[1] == "a" && len(p) == 4 && slices.Contains(store.Roles, p[3]):
		var bs []bot.Button
		for _, ag := range store.Agencies {
			bs = append(bs, bot.Button{Text: ui.AgencyLabel(r.App, r.Lang, ag), CallbackData: bot.CB(verbInvite, "t", cc, p[3], ag)})
		}
		return ui.Show(ctx, r, r.T("inv_choose_agency", nil), inviteNav(r, ui.Grid(bs, 2), bot.CB(verbInvite, "r", cc)))
	case p[1] == "t" && len(p) == 5 && slices.Contains(store.Roles, p[3]) && slices.Contains(store.Agencies, p[4]):
		var bs []bot.Button
		for _, h := range inviteLifetimes {
			bs = append(bs, bot.Button{Text: r.App.I18n.N(r.Lang, "inv_lifetime_hours", h, nil),
				CallbackData: bot.CB(verbInvite, "x", cc, p[3], p[4], h)})
		}
		return ui.Show(ctx, r, r.T("inv_choose_lifetime", nil), inviteNav(r, ui.Grid(bs, 3), bot.CB(verbInvite, "a", cc, p[3])))
	case p[1] == "x" && len(p) == 6 && slices.Contains(store.Roles, p[3]) && slices.Contains(store.Agencies, p[4]):
		h, err := strconv.Atoi(p[5])
		if err != nil || !slices.Contains(inviteLifetimes, h) {
			return forgedButton(ctx, r)
		}
		spec := members.InviteSpec{Role: p[3], Agency: p[4], TTL: time.Duration(h) * time.Hour}
		if cc != "-" {
			spec.Country = cc
		}
		code, inv, err := members.CreateInvite(ctx, r.App.Store, spec, &r.Member.ID, r.App.Clock.Now())
		if err != nil {
			return err
		}
		ctx = store.WithSecrets(ctx, code) // what is recorded of the message keeps a marker instead
		return ui.Show(ctx, r, r.T("inv_created", map[string]any{
			"Country": ui.CountryLabel(r, r.Lang, inv.Country), "Role": ui.RoleLabel(r.App, r.Lang, inv.Role),
			"Agency": ui.AgencyLabel(r.App, r.Lang, inv.Agency), "Expires": ui.Time(r.Member, inv.ExpiresAt),
			"Code": code, "Link": members.DeepLink(r.App.Me.Username, code),
		}), nil)
	}
	return forgedButton(ctx, r)
}
