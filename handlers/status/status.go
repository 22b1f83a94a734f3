package status

import (
	"context"
	"errors"
	"html"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/placename"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// The operational status board: which border crossings and ports work, and how. /status shows
// a country's board or one place with its history; members subscribe to countries or places
// and are told of changes. Posting is in status_post.go.

const (
	changeKind = "status_change" // outbox rows: a new status, to subscribers
	history    = 6               // statuses shown in a place's history
	suggest    = 5               // closest names offered for an unknown place
)

func registerBoard(a *bot.App) {
	a.Command("status", bot.Members, show)
	a.Command("subscriptions", bot.Members, subscriptionsList)
	a.Callback(verbBoard, bot.Members, boardPress)
	a.Callback(verbPlace, bot.Members, placePress)
	a.Callback(verbSubscribe, bot.Members, subscribeToggle)
	a.Renderer(changeKind, changeRenderer(a))
}

// placeName is a place's names and LOCODE, escaped: "Torkham / طورخم (PKTOR)"; for a reader
// of a right-to-left lang each name and the code is isolated, so that neither the Latin name
// nor the code is reordered with the Arabic-script name or the text around.
func placeName(lang string, p *store.Place) string {
	s := i18n.Isolate(lang, "<b>"+html.EscapeString(p.Name)+"</b>")
	if p.NameLocal != "" && p.NameLocal != p.Name {
		s += " / " + i18n.Isolate(lang, html.EscapeString(p.NameLocal))
	}
	if l := p.LocodeOf(); l != "" {
		s += " (" + i18n.Isolate(lang, l) + ")"
	}
	return s
}

// kinds lists a place's kinds in lang.
func kinds(a *bot.App, lang string, p *store.Place) string {
	var out []string
	for _, k := range store.PlaceKinds {
		if slices.Contains(p.Kinds, k) {
			out = append(out, a.I18n.T(lang, "net_kind_"+k, nil))
		}
	}
	return i18n.JoinList(lang, out)
}

// age is how long ago t was, in lang.
func age(a *bot.App, lang string, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return a.I18n.T(lang, "st_age_now", nil)
	case d < time.Hour:
		return a.I18n.N(lang, "st_age_minutes", int(d/time.Minute), nil)
	case d < 48*time.Hour:
		return a.I18n.N(lang, "st_age_hours", int(d/time.Hour), nil)
	}
	return a.I18n.N(lang, "st_age_days", int(d/(24*time.Hour)), nil)
}

// traffic is "Freight: open · Passengers: closed" in lang.
func traffic(a *bot.App, lang string, s *store.PlaceStatus) string {
	return a.I18n.T(lang, "st_traffic", map[string]any{
		"Freight":    i18n.HTML(a.I18n.T(lang, "st_state_"+s.Freight, nil)),
		"Passengers": i18n.HTML(a.I18n.T(lang, "st_state_"+s.Passengers, nil)),
	})
}

// measureText is one measure in lang.
func measureText(a *bot.App, lang string, m store.Measure) string {
	switch m.Code {
	case "quarantine":
		return a.I18n.N(lang, "st_measure_quarantine", m.Days, nil)
	case "reduced_hours":
		return a.I18n.T(lang, "st_measure_reduced_hours", map[string]any{"Hours": m.Hours})
	}
	return a.I18n.T(lang, "st_measure_"+m.Code, nil)
}

// statusBlock is a status in full, in lang: traffic, measures, note (labelled with its
// author's language), who posted it when, and until when it is valid (in reader's zone).
func statusBlock(ctx context.Context, a *bot.App, lang string, reader *store.Member, s *store.PlaceStatus, now time.Time) string {
	var sb strings.Builder
	sb.WriteString(traffic(a, lang, s))
	if len(s.Measures) > 0 {
		sb.WriteString("\n" + a.I18n.T(lang, "st_measures_title", nil))
		for _, m := range s.Measures {
			sb.WriteString("\n• " + measureText(a, lang, m))
		}
	}
	if s.Note != "" {
		sb.WriteString("\n" + a.I18n.T(lang, "st_note", map[string]any{"Language": i18n.TextLanguage(a.I18n.T, lang, s.NoteLang, s.Note), "Note": s.Note}))
	}
	author := ""
	if m, err := store.MemberByID(ctx, a.Store.DB, s.AuthorID); err == nil {
		author = ui.MemberName(a, lang, m)
	}
	sb.WriteString("\n" + a.I18n.T(lang, "st_posted", map[string]any{"When": ui.Time(reader, s.PostedAt),
		"Age": i18n.HTML(age(a, lang, s.PostedAt, now)), "Author": author}))
	if s.ConfirmsID != nil {
		sb.WriteString(" " + a.I18n.T(lang, "st_confirmed_mark", nil))
	}
	valid := "st_valid_until"
	if !s.ValidUntil.After(now) {
		valid = "st_valid_expired"
	}
	sb.WriteString("\n" + a.I18n.T(lang, valid, map[string]any{"When": ui.Time(reader, s.ValidUntil)}))
	return sb.String()
}

var countryArg = regexp.MustCompile(`^[A-Za-z]{2}$`)

// show is /status: the reader's country's board, a country's board (/status KZ), or one place
// (/status <name or LOCODE>).
func show(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	arg = strings.TrimSpace(arg)
	if arg == "" {
		if r.Member.Country != nil && slices.Contains(store.NetworkCountries, *r.Member.Country) {
			return showBoard(ctx, r, *r.Member.Country)
		}
		return countryPicker(ctx, r)
	}
	if countryArg.MatchString(arg) && slices.Contains(store.NetworkCountries, strings.ToUpper(arg)) {
		return showBoard(ctx, r, strings.ToUpper(arg))
	}
	p, candidates, several, err := resolve(ctx, r.App, arg)
	if err != nil {
		return err
	}
	if p == nil {
		return offer(ctx, r, arg, candidates, several, verbPlace)
	}
	return showPlace(ctx, r, p)
}

// countryPicker asks which country's board to show.
func countryPicker(ctx context.Context, r *bot.Request) error {
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, c := range store.NetworkCountries {
		row = append(row, bot.Button{Text: i18n.CountryName(r.Lang, c), CallbackData: bot.CB(verbBoard, c)})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	return r.Reply(ctx, "st_pick_country", nil, kb)
}

// boardPress shows a country's board (sb:<CC>).
func boardPress(ctx context.Context, r *bot.Request) error {
	cc := r.Data().Arg(0)
	if !slices.Contains(store.NetworkCountries, cc) {
		return nil
	}
	return showBoard(ctx, r, cc)
}

// placePress shows a place (sv:<id>).
func placePress(ctx context.Context, r *bot.Request) error {
	p, err := pressedPlace(ctx, r)
	if p == nil {
		return err
	}
	return showPlace(ctx, r, p)
}

// pressedPlace is the place a button's data names (verb:<place id>); nil for a malformed or
// unknown one (a forged press), which gets no more than the empty answer.
func pressedPlace(ctx context.Context, r *bot.Request) (*store.Place, error) {
	id := r.Data().ID(0)
	if id == 0 {
		return nil, nil
	}
	p, err := store.PlaceByID(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// subscribed reports whether the member is subscribed to the country or place.
func subscribed(ctx context.Context, r *bot.Request, country string, placeID int64) (bool, error) {
	subs, err := store.Subscriptions(ctx, r.App.Store.DB, r.Member.ID)
	if err != nil {
		return false, err
	}
	for _, s := range subs {
		if (placeID != 0 && s.PlaceID != nil && *s.PlaceID == placeID) || (placeID == 0 && s.Country != nil && *s.Country == country) {
			return true, nil
		}
	}
	return false, nil
}

// showBoard shows a country's board: each place with a status, its latest state and age,
// "expired" once past its validity.
func showBoard(ctx context.Context, r *bot.Request, cc string) error {
	a := r.App
	now := a.Clock.Now()
	places, statuses, err := store.Board(ctx, a.Store.DB, cc)
	if err != nil {
		return err
	}
	all, err := store.Places(ctx, a.Store.DB, cc, false)
	if err != nil {
		return err
	}
	var lines []string
	for i := range places {
		s := &statuses[i]
		id := "st_board_line"
		if !s.ValidUntil.After(now) {
			id = "st_board_line_expired"
		}
		lines = append(lines, r.T(id, map[string]any{
			"Place":   i18n.HTML(placeName(r.Lang, &places[i])),
			"Traffic": i18n.HTML(traffic(a, r.Lang, s)),
			"Age":     i18n.HTML(age(a, r.Lang, s.PostedAt, now)),
		}))
	}
	if len(places) == 0 {
		lines = append(lines, r.T("st_board_empty", nil))
	}
	lines = append(lines, "", r.T("st_board_footer", map[string]any{"Without": len(all) - len(places)}))
	subscribed, err := subscribed(ctx, r, cc, 0)
	if err != nil {
		return err
	}
	label := "st_btn_subscribe_country"
	if subscribed {
		label = "st_btn_unsubscribe_country"
	}
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T(label, map[string]any{"Country": i18n.CountryName(r.Lang, cc)}), CallbackData: bot.CB(verbSubscribe, "c", cc)})
	title := r.T("st_board_title", map[string]any{"Country": i18n.CountryName(r.Lang, cc), "Now": ui.Time(r.Member, now)})
	return ui.SendLines(ctx, r, title, lines, kb)
}

// showPlace shows one place: its names, kinds, latest status in full and its history.
func showPlace(ctx context.Context, r *bot.Request, p *store.Place) error {
	a := r.App
	now := a.Clock.Now()
	history, err := store.StatusHistory(ctx, a.Store.DB, p.ID, history)
	if err != nil {
		return err
	}
	lines := []string{r.T("st_place_kinds", map[string]any{"Country": i18n.CountryName(r.Lang, p.Country), "Kinds": kinds(a, r.Lang, p)})}
	if len(history) == 0 {
		lines = append(lines, "", r.T("st_place_no_status", nil))
	} else {
		lines = append(lines, "", statusBlock(ctx, a, r.Lang, r.Member, &history[0], now))
		if len(history) > 1 {
			lines = append(lines, "", r.T("st_history_title", nil))
			for i := 1; i < len(history); i++ {
				h := &history[i]
				mark := ""
				if h.ConfirmsID != nil {
					mark = " " + r.T("st_confirmed_mark", nil)
				}
				lines = append(lines, r.T("st_history_line", map[string]any{"When": ui.Time(r.Member, h.PostedAt),
					"Traffic": i18n.HTML(traffic(a, r.Lang, h) + mark)}))
			}
		}
	}
	subscribed, err := subscribed(ctx, r, "", p.ID)
	if err != nil {
		return err
	}
	label := "st_btn_subscribe_place"
	if subscribed {
		label = "st_btn_unsubscribe_place"
	}
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T(label, nil), CallbackData: bot.CB(verbSubscribe, "p", p.ID)})
	if canPost(r.Member, p) == nil {
		kb.Row(bot.Button{Text: r.T("st_btn_post", nil), CallbackData: bot.CB(verbPostFor, p.ID)})
	}
	kb.Row(bot.Button{Text: r.T("st_btn_board", map[string]any{"Country": i18n.CountryName(r.Lang, p.Country)}), CallbackData: bot.CB(verbBoard, p.Country)})
	return ui.SendLines(ctx, r, placeName(r.Lang, p), lines, kb)
}

// distance is the Levenshtein distance of two strings, by runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// resolve finds the place meant by a name or UN/LOCODE, in any script the network writes
// (bot/placename: transliteration and the alternative names shipped with the places). It
// returns the place when exactly one fits; otherwise nil and the candidates — several that fit
// equally well (several is true), or the closest names.
func resolve(ctx context.Context, a *bot.App, query string) (p *store.Place, candidates []store.Place, several bool, err error) {
	q := strings.TrimSpace(query)
	if up := strings.ToUpper(q); len(up) == 5 {
		p, err := store.PlaceByLocode(ctx, a.Store.DB, up)
		if err == nil {
			return p, nil, false, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, false, err
		}
	}
	places, err := store.Places(ctx, a.Store.DB, "", false)
	if err != nil {
		return nil, nil, false, err
	}
	kq := placename.Key(q)
	if kq == "" {
		return nil, nil, false, nil
	}
	alternative := placename.Locodes(q) // places one of whose alternative names is q
	var exact, partial []store.Place
	for _, p := range places {
		n, l := placename.Key(p.Name), placename.Key(p.NameLocal)
		switch {
		case n == kq || (l != "" && l == kq) || (p.Locode != nil && slices.Contains(alternative, *p.Locode)):
			exact = append(exact, p)
		case strings.Contains(n, kq) || (l != "" && strings.Contains(l, kq)):
			partial = append(partial, p)
		}
	}
	for _, set := range [][]store.Place{exact, partial} {
		if len(set) == 1 {
			return &set[0], nil, false, nil
		}
		if len(set) > 1 {
			if len(set) > 8 {
				set = set[:8]
			}
			return nil, set, true, nil
		}
	}
	// Nothing fits: offer the closest names, any of a place's names counting.
	type scored struct {
		p store.Place
		d int
	}
	var all []scored
	for _, p := range places {
		d := distance(kq, placename.Key(p.Name))
		names := []string{p.NameLocal}
		if p.Locode != nil {
			names = append(names, placename.Alternatives(*p.Locode)...)
		}
		for _, n := range names {
			if k := placename.Key(n); k != "" {
				d = min(d, distance(kq, k))
			}
		}
		all = append(all, scored{p, d})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	// Only names within a typo or two (about one edit in three letters) are worth offering:
	// the five nearest names to "Dushanbe" or to gibberish are nowhere near it, and "Did you
	// mean Kherson?" sends an officer after the wrong place.
	limit := max(1, (utf8.RuneCountInString(kq)+1)/3)
	var out []store.Place
	for i := 0; i < len(all) && i < suggest && all[i].d <= limit; i++ {
		out = append(out, all[i].p)
	}
	return nil, out, false, nil
}

// offer answers a query that named no single place: the candidates as buttons (verb sv to
// view, spn to post) — the places of that name when several have it, else the closest names.
func offer(ctx context.Context, r *bot.Request, query string, candidates []store.Place, several bool, verb string) error {
	if len(candidates) == 0 {
		return r.Reply(ctx, "st_place_unknown_none", map[string]any{"Query": query}, nil)
	}
	kb := &bot.Keyboard{}
	for i := range candidates {
		p := &candidates[i]
		label := p.Name
		if l := p.LocodeOf(); l != "" {
			label += " (" + l + ")"
		} else {
			label += " (" + p.Country + ")"
		}
		kb.Row(bot.Button{Text: label, CallbackData: bot.CB(verb, p.ID)})
	}
	if several {
		return r.Reply(ctx, "st_place_several", map[string]any{"Query": query}, kb)
	}
	return r.Reply(ctx, "st_place_unknown", map[string]any{"Query": query}, kb)
}

// subscribeToggle subscribes or unsubscribes (sbt:c:<CC> or sbt:p:<id>), whichever the
// member's current state calls for: a late press of an old button still does the right thing.
func subscribeToggle(ctx context.Context, r *bot.Request) error {
	parts := r.Data().Parts()
	if len(parts) != 3 {
		return nil
	}
	a := r.App
	var country, name string
	var placeID int64
	switch parts[1] {
	case "c":
		if !slices.Contains(store.NetworkCountries, parts[2]) {
			return nil
		}
		country, name = parts[2], i18n.CountryName(r.Lang, parts[2])
	case "p":
		id, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return nil
		}
		p, err := store.PlaceByID(ctx, a.Store.DB, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		placeID, name = p.ID, p.Name
	default:
		return nil
	}
	removed, err := store.Unsubscribe(ctx, a.Store.DB, r.Member.ID, country, placeID)
	if err != nil {
		return err
	}
	if removed {
		return r.Reply(ctx, "st_unsubscribed", map[string]any{"Name": name}, nil)
	}
	if err := store.Subscribe(ctx, a.Store.DB, r.Member.ID, country, placeID); err != nil {
		return err
	}
	return r.Reply(ctx, "st_subscribed", map[string]any{"Name": name}, nil)
}

// subscriptionsList is /subscriptions: what the member hears about, with a button to stop each.
func subscriptionsList(ctx context.Context, r *bot.Request) error {
	a := r.App
	subs, err := store.Subscriptions(ctx, a.Store.DB, r.Member.ID)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		return r.Reply(ctx, "st_subscriptions_none", nil, nil)
	}
	kb := &bot.Keyboard{}
	var lines []string
	for _, s := range subs {
		if s.Country != nil {
			n := i18n.CountryName(r.Lang, *s.Country)
			lines = append(lines, "• "+html.EscapeString(n))
			kb.Row(bot.Button{Text: r.T("st_btn_unsubscribe_name", map[string]any{"Name": n}), CallbackData: bot.CB(verbSubscribe, "c", *s.Country)})
			continue
		}
		p, err := store.PlaceByID(ctx, a.Store.DB, *s.PlaceID)
		if err != nil {
			return err
		}
		lines = append(lines, "• "+placeName(r.Lang, p))
		kb.Row(bot.Button{Text: r.T("st_btn_unsubscribe_name", map[string]any{"Name": p.Name}), CallbackData: bot.CB(verbSubscribe, "p", p.ID)})
	}
	return ui.SendLines(ctx, r, r.T("st_subscriptions_title", nil), lines, kb)
}

// changeRenderer tells a subscriber of a new status, in their language.
func changeRenderer(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		s, err := store.PlaceStatusByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		p, err := store.PlaceByID(ctx, a.Store.DB, s.PlaceID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		text := a.I18n.T(lang, "st_change", map[string]any{
			"Place":   i18n.HTML(placeName(lang, p)),
			"Country": i18n.CountryName(lang, p.Country),
			"Status":  i18n.HTML(statusBlock(ctx, a, lang, to, s, a.Clock.Now())),
		})
		kb := (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "st_btn_view", nil), CallbackData: bot.CB(verbPlace, p.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}
