package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"focalbot/bot"
)

// /invite: an admin picks country, role, agency and lifetime with buttons and gets a single-use
// link. The choices so far travel in the callback data (inv:c, inv:r:CC, inv:a:CC:role,
// inv:t:CC:role:agency:hours), checked against the vocabularies at every step because
// callback data can be forged. "-" is "no country".

var inviteLifetimes = []int{24, 72, 168} // hours

func invite(ctx context.Context, r *bot.Request) error {
	return show(ctx, r, r.T("inv_choose_country", nil), inviteCountries(r))
}

func inviteCountries(r *bot.Request) *bot.Keyboard {
	var bs []bot.Button
	for _, cc := range Countries {
		bs = append(bs, bot.Button{Text: countryLabel(r, r.Lang, &cc), CallbackData: "inv:r:" + cc})
	}
	bs = append(bs, bot.Button{Text: r.T("country_none", nil), CallbackData: "inv:r:-"})
	return grid(bs, 2)
}

// inviteButton handles every step after the country.
func inviteButton(ctx context.Context, r *bot.Request) error {
	p := strings.Split(r.CallbackData(), ":")
	if len(p) < 3 || (p[2] != "-" && !slices.Contains(Countries, p[2])) {
		return forgedButton(ctx, r)
	}
	cc := p[2]
	switch {
	case p[1] == "r" && len(p) == 3:
		var bs []bot.Button
		for _, role := range Roles {
			bs = append(bs, bot.Button{Text: roleLabel(r.App, r.Lang, role), CallbackData: "inv:a:" + cc + ":" + role})
		}
		return show(ctx, r, r.T("inv_choose_role", nil), grid(bs, 2))
	case p[1] == "a" && len(p) == 4 && slices.Contains(Roles, p[3]):
		var bs []bot.Button
		for _, ag := range Agencies {
			bs = append(bs, bot.Button{Text: agencyLabel(r.App, r.Lang, ag), CallbackData: "inv:t:" + cc + ":" + p[3] + ":" + ag})
		}
		return show(ctx, r, r.T("inv_choose_agency", nil), grid(bs, 2))
	case p[1] == "t" && len(p) == 5 && slices.Contains(Roles, p[3]) && slices.Contains(Agencies, p[4]):
		var bs []bot.Button
		for _, h := range inviteLifetimes {
			bs = append(bs, bot.Button{Text: r.App.I18n.N(r.Lang, "inv_lifetime_hours", h, nil),
				CallbackData: strings.Join([]string{"inv:x", cc, p[3], p[4], strconv.Itoa(h)}, ":")})
		}
		return show(ctx, r, r.T("inv_choose_lifetime", nil), grid(bs, 3))
	case p[1] == "x" && len(p) == 6 && slices.Contains(Roles, p[3]) && slices.Contains(Agencies, p[4]):
		h, err := strconv.Atoi(p[5])
		if err != nil || !slices.Contains(inviteLifetimes, h) {
			return forgedButton(ctx, r)
		}
		spec := InviteSpec{Role: p[3], Agency: p[4], TTL: time.Duration(h) * time.Hour}
		if cc != "-" {
			spec.Country = cc
		}
		code, inv, err := CreateInvite(ctx, r.App.Store, spec, &r.Member.ID, r.App.Clock.Now())
		if err != nil {
			return err
		}
		return show(ctx, r, r.T("inv_created", map[string]any{
			"Country": countryLabel(r, r.Lang, inv.Country), "Role": roleLabel(r.App, r.Lang, inv.Role),
			"Agency": agencyLabel(r.App, r.Lang, inv.Agency), "Expires": inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"),
			"Code": code, "Link": DeepLink(r.App.Me.Username, code),
		}), nil)
	}
	return forgedButton(ctx, r)
}
