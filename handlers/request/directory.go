package request

import (
	"context"
	"sort"
	"strings"

	"focalbot/bot"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// directory lists the active members by country, with unit, agency and role, in the
// reader's language. It never shows phone numbers or Telegram usernames: the members table
// holds no phone numbers, and usernames are left out entirely (no member has opted in to
// showing one; there is no such setting yet).
func directory(ctx context.Context, r *bot.Request) error {
	members, err := store.ActiveMembers(ctx, r.App.Store.DB)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		return r.Reply(ctx, "dir_empty", nil, nil)
	}
	groups := map[string][]store.Member{}
	for _, m := range members {
		key := ""
		if m.Country != nil {
			key = strings.TrimSpace(*m.Country)
		}
		groups[key] = append(groups[key], m)
	}
	var keys []string
	for k := range groups {
		if k != "" {
			keys = append(keys, k)
		}
	}
	// Sorted by the name the reader sees; members without a country (CARICC, partners) last.
	sort.Slice(keys, func(i, j int) bool { return i18n.CountryName(r.Lang, keys[i]) < i18n.CountryName(r.Lang, keys[j]) })
	if len(groups[""]) > 0 {
		keys = append(keys, "")
	}
	parts := []string{r.T("dir_title", nil)}
	for _, k := range keys {
		head := r.T("dir_no_country", nil)
		if k != "" {
			head = r.T("dir_country", map[string]any{"Country": i18n.CountryName(r.Lang, k)})
		}
		lines := []string{head}
		for _, m := range groups[k] {
			lines = append(lines, dirMemberLine(r, &m))
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	return sendParts(ctx, r, parts, nil)
}

// dirMemberLine is one member in the directory: name, unit, agency and role.
func dirMemberLine(r *bot.Request, m *store.Member) string {
	name := m.DisplayName
	if name == "" {
		name = "—"
	}
	data := map[string]any{
		"Name":   name,
		"Unit":   m.Unit,
		"Agency": i18n.HTML(r.T("dir_agency_"+m.Agency, nil)),
		"Role":   i18n.HTML(r.T("dir_role_"+m.Role, nil)),
	}
	if m.Unit == "" {
		return r.T("dir_member_no_unit", data)
	}
	return r.T("dir_member", data)
}
