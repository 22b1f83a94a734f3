package membership

import (
	"context"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// The choice of time zone, under /language. A member reads every time in their own zone and
// types times in it (ui.Time, ui.ParseWhen): by default their country's, CARICC's for staff
// without one (alert.Zone); they may choose the zone of any network country instead, or UTC.
// The choice is kept in members.time_zone as the zone's IANA name.

// Arguments of the zone verb besides a country code.
const (
	zoneDefault = "def" // back to the country's zone
	zoneUTC     = "utc"
)

// zoneRow is the button under /language that opens the choice, for a member.
func zoneRow(r *bot.Request, kb *bot.Keyboard) *bot.Keyboard {
	if r.Member == nil || !r.Member.Active() {
		return kb // an outsider is shown no times
	}
	return kb.Row(bot.Button{Text: r.T("tz_btn_open", map[string]any{"Zone": ui.ZoneName(r.Member, r.App.Clock.Now())}),
		CallbackData: bot.CB(verbZone)})
}

// zoneButton handles tz (show the choice) and tz:<CC>, tz:utc, tz:def (choose).
func zoneButton(ctx context.Context, r *bot.Request) error {
	arg := r.Data().Arg(0)
	if arg == "" {
		return showZones(ctx, r)
	}
	var choice *string
	switch arg {
	case zoneDefault:
	case zoneUTC:
		utc := "UTC"
		choice = &utc
	default:
		z, ok := alert.CountryZone(arg)
		if !ok {
			return r.Stale(ctx) // forged
		}
		choice = &z
	}
	if err := store.SetTimeZone(ctx, r.App.Store.DB, r.Member.ID, choice); err != nil {
		return err
	}
	r.Member.TimeZone = choice
	now := r.App.Clock.Now()
	return ui.Show(ctx, r, r.T("tz_set", map[string]any{"Zone": ui.ZoneName(r.Member, now), "Now": ui.Time(r.Member, now)}), nil)
}

// showZones offers the default, each network country's zone (named by the country, in the
// reader's language, and its offset), and UTC, west to east; the current choice is marked.
func showZones(ctx context.Context, r *bot.Request) error {
	now := r.App.Clock.Now()
	m := r.Member
	chosen := ""
	if m.TimeZone != nil && alert.ValidZone(*m.TimeZone) {
		chosen = *m.TimeZone
	}
	def := alert.ZoneFor(m.Country)
	buttons := []bot.Button{{Text: ui.Check(chosen == "", r.T("tz_btn_default", map[string]any{"Zone": alert.ZoneName(now, def)})),
		CallbackData: bot.CB(verbZone, zoneDefault)}}
	for _, cc := range alert.ZoneCountries(now) {
		z, _ := alert.CountryZone(cc)
		label := i18n.CountryName(r.Lang, cc) + " · " + alert.ZoneName(now, alert.Zone(nil, &z))
		buttons = append(buttons, bot.Button{Text: ui.Check(chosen == z, label), CallbackData: bot.CB(verbZone, cc)})
	}
	buttons = append(buttons, bot.Button{Text: ui.Check(chosen == "UTC", "UTC"), CallbackData: bot.CB(verbZone, zoneUTC)})
	text := r.T("tz_choose", map[string]any{"Zone": ui.ZoneName(m, now), "Now": ui.Time(m, now)})
	return ui.Show(ctx, r, text, ui.Grid(buttons, 2))
}
