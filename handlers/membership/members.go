package membership

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"focalbot/bot"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /members: admins list members by state, role and country, a page at a time, and open a card
// to change role or country, suspend or reactivate. Everything happens by editing one message.
//
// Callback data (every part checked, since it can be forged):
//
//	mem:l:<state>:<role>:<country>:<page>   the list; "-" is "any"
//	mem:c:<id>                              a card
//	mem:R:<id> / mem:r:<id>:<role>          the role picker / set the role
//	mem:K:<id> / mem:k:<id>:<country|->     the country picker / set the country
//	mem:s:<id> / mem:a:<id>                 suspend / reactivate

const membersPageSize = 8

// memberList is the list's filter and page.
type memberList struct {
	State, Role, Country string // "" is any
	Page                 int
}

func (l memberList) data() string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return bot.CB(verbMembers, "l", dash(l.State), dash(l.Role), dash(l.Country), l.Page)
}

// next returns the value after cur in the cycle "" → values… → "".
func next(values []string, cur string) string {
	i := slices.Index(values, cur)
	if i+1 >= len(values) {
		return ""
	}
	return values[i+1]
}

func listMembers(ctx context.Context, r *bot.Request) error {
	return showMemberList(ctx, r, memberList{State: store.StateActive})
}

func parseMemberList(p []string) (memberList, bool) {
	if len(p) != 6 {
		return memberList{}, false
	}
	undash := func(s string, allowed []string) (string, bool) {
		if s == "-" {
			return "", true
		}
		return s, slices.Contains(allowed, s)
	}
	var l memberList
	var ok1, ok2, ok3 bool
	l.State, ok1 = undash(p[2], store.States)
	l.Role, ok2 = undash(p[3], store.Roles)
	l.Country, ok3 = undash(p[4], store.NetworkCountries)
	page, err := strconv.Atoi(p[5])
	l.Page = page
	return l, ok1 && ok2 && ok3 && err == nil && page >= 0 && page < 10000
}

func showMemberList(ctx context.Context, r *bot.Request, l memberList) error {
	ms, total, err := store.ListMembers(ctx, r.App.Store.DB,
		store.MemberFilter{State: l.State, Role: l.Role, Country: l.Country}, membersPageSize, l.Page*membersPageSize)
	if err != nil {
		return err
	}
	pages := max(1, (total+membersPageSize-1)/membersPageSize)
	if l.Page >= pages && total > 0 {
		l.Page = pages - 1
		return showMemberList(ctx, r, l)
	}
	anyLabel := r.T("filter_any", nil)
	state, role, country := anyLabel, anyLabel, anyLabel
	if l.State != "" {
		state = ui.StateLabel(r.App, r.Lang, l.State)
	}
	if l.Role != "" {
		role = ui.RoleLabel(r.App, r.Lang, l.Role)
	}
	if l.Country != "" {
		country = ui.CountryLabel(r, r.Lang, &l.Country)
	}
	text := r.T("members_list", map[string]any{"Total": total, "Page": l.Page + 1, "Pages": pages,
		"State": state, "Role": role, "Country": country})
	if total == 0 {
		text += "\n\n" + r.T("members_none", nil)
	}

	kb := &bot.Keyboard{}
	for _, m := range ms {
		label := ui.MemberName(r.App, r.Lang, &m)
		kb.Row(bot.Button{Text: label, CallbackData: bot.CB(verbMembers, "c", m.ID)})
	}
	var nav []bot.Button
	if l.Page > 0 {
		prev := l
		prev.Page--
		nav = append(nav, bot.Button{Text: r.T("btn_previous", nil), CallbackData: prev.data()})
	}
	if l.Page+1 < pages {
		nxt := l
		nxt.Page++
		nav = append(nav, bot.Button{Text: r.T("btn_next", nil), CallbackData: nxt.data()})
	}
	if len(nav) > 0 {
		kb.Row(nav...)
	}
	fs, fr, fc := l, l, l
	fs.State, fs.Page = next(store.States, l.State), 0
	fr.Role, fr.Page = next(store.Roles, l.Role), 0
	fc.Country, fc.Page = next(store.NetworkCountries, l.Country), 0
	kb.Row(bot.Button{Text: r.T("btn_filter_state", map[string]any{"Value": state}), CallbackData: fs.data()})
	kb.Row(bot.Button{Text: r.T("btn_filter_role", map[string]any{"Value": role}), CallbackData: fr.data()},
		bot.Button{Text: r.T("btn_filter_country", map[string]any{"Value": country}), CallbackData: fc.data()})
	return ui.Show(ctx, r, text, kb)
}

// membersButton handles every mem:… button.
func membersButton(ctx context.Context, r *bot.Request) error {
	p := r.Data().Parts()
	if len(p) >= 2 && p[1] == "l" {
		l, ok := parseMemberList(p)
		if !ok {
			return forgedButton(ctx, r)
		}
		return showMemberList(ctx, r, l)
	}
	if len(p) < 3 {
		return forgedButton(ctx, r)
	}
	id, err := strconv.ParseInt(p[2], 10, 64)
	if err != nil {
		return forgedButton(ctx, r)
	}
	m, err := store.MemberByID(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		return forgedButton(ctx, r)
	}
	if err != nil {
		return err
	}
	arg := ""
	if len(p) == 4 {
		arg = p[3]
	}
	if len(p) > 4 {
		return forgedButton(ctx, r)
	}
	self := m.ID == r.Member.ID
	actor, now := &r.Member.ID, r.App.Clock.Now()
	var changed *store.Member
	switch {
	case p[1] == "c" && arg == "":
		return showMemberCard(ctx, r, m)
	case p[1] == "R" && arg == "":
		var bs []bot.Button
		for _, role := range store.Roles {
			bs = append(bs, bot.Button{Text: ui.RoleLabel(r.App, r.Lang, role), CallbackData: bot.CB(verbMembers, "r", id, role)})
		}
		bs = append(bs, bot.Button{Text: r.T("btn_back", nil), CallbackData: bot.CB(verbMembers, "c", id)})
		return ui.Show(ctx, r, r.T("mem_choose_role", map[string]any{"Name": m.DisplayName}), ui.Grid(bs, 2))
	case p[1] == "K" && arg == "":
		var bs []bot.Button
		for _, cc := range store.NetworkCountries {
			bs = append(bs, bot.Button{Text: ui.CountryLabel(r, r.Lang, &cc), CallbackData: bot.CB(verbMembers, "k", id, cc)})
		}
		bs = append(bs, bot.Button{Text: r.T("country_none", nil), CallbackData: bot.CB(verbMembers, "k", id, "-")},
			bot.Button{Text: r.T("btn_back", nil), CallbackData: bot.CB(verbMembers, "c", id)})
		return ui.Show(ctx, r, r.T("mem_choose_country", map[string]any{"Name": m.DisplayName}), ui.Grid(bs, 2))
	case p[1] == "r" && slices.Contains(store.Roles, arg):
		if self {
			r.Answer(ctx, "mem_not_self", nil)
			return nil
		}
		changed, err = members.SetRole(ctx, r.App.Store, actor, id, arg, r.App.Clock.Now())
	case p[1] == "k" && (arg == "-" || slices.Contains(store.NetworkCountries, arg)):
		changed, err = members.SetCountry(ctx, r.App.Store, actor, id, strings.Trim(arg, "-"), r.App.Clock.Now())
	case p[1] == "s" && arg == "":
		if self {
			r.Answer(ctx, "mem_not_self", nil)
			return nil
		}
		changed, err = members.Suspend(ctx, r.App.Store, actor, id, now)
	case p[1] == "a" && arg == "":
		changed, err = members.Reactivate(ctx, r.App.Store, actor, id, now)
	default:
		return forgedButton(ctx, r)
	}
	switch {
	case errors.Is(err, members.ErrNoChange):
		r.Answer(ctx, "mem_no_change", nil)
		return showMemberCard(ctx, r, m)
	case err != nil:
		return err
	}
	r.App.RefreshMenu(ctx, changed)
	r.Answer(ctx, "mem_saved", nil)
	return showMemberCard(ctx, r, changed)
}

// showMemberCard shows a member with the actions their state allows. Identifiers go on lines
// of their own, in <code>, so that right-to-left text around them cannot reorder them.
func showMemberCard(ctx context.Context, r *bot.Request, m *store.Member) error {
	approved := "—"
	if m.ApprovedAt != nil {
		approved = ui.Date(r.Member, *m.ApprovedAt)
	}
	text := r.T("member_card", map[string]any{
		"Name": m.DisplayName, "Country": ui.CountryLabel(r, r.Lang, m.Country), "Agency": ui.AgencyLabel(r.App, r.Lang, m.Agency),
		"Unit": m.Unit, "Role": ui.RoleLabel(r.App, r.Lang, m.Role), "State": ui.StateLabel(r.App, r.Lang, m.State),
		"Language": ui.LanguageName(m.Language), "TelegramID": strconv.FormatInt(m.TelegramUserID, 10), "Approved": approved,
	})
	id := m.ID
	kb := &bot.Keyboard{}
	kb.Row(bot.Button{Text: r.T("btn_change_role", nil), CallbackData: bot.CB(verbMembers, "R", id)},
		bot.Button{Text: r.T("btn_change_country", nil), CallbackData: bot.CB(verbMembers, "K", id)})
	switch m.State {
	case store.StatePending:
		kb.Row(bot.Button{Text: r.T("btn_approve", nil), CallbackData: bot.CB(verbAccess, "ok", id)},
			bot.Button{Text: r.T("btn_reject", nil), CallbackData: bot.CB(verbAccess, "no", id)})
	case store.StateActive:
		kb.Row(bot.Button{Text: r.T("btn_suspend", nil), CallbackData: bot.CB(verbMembers, "s", id)})
	case store.StateUnreachable:
		kb.Row(bot.Button{Text: r.T("btn_reactivate", nil), CallbackData: bot.CB(verbMembers, "a", id)},
			bot.Button{Text: r.T("btn_suspend", nil), CallbackData: bot.CB(verbMembers, "s", id)})
	default:
		kb.Row(bot.Button{Text: r.T("btn_reactivate", nil), CallbackData: bot.CB(verbMembers, "a", id)})
	}
	kb.Row(bot.Button{Text: r.T("btn_back_to_list", nil), CallbackData: memberList{State: m.State}.data()})
	return ui.Show(ctx, r, text, kb)
}
