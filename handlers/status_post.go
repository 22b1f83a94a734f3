package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// Posting an operational status: a focal point for a place of their own country, an analyst
// or admin for any. The draft lives in the conversation; its panel's buttons (sp:…) act on the
// conversation, so a press after the form was published or cancelled finds none and does
// nothing. Also here: the expiry job and the one-tap "still valid".

const (
	stPostFlow     = "status_post"
	stExpiryKind   = "status_expiry" // outbox rows: "your status expired: still valid?"
	stDefaultValid = 7 * 24 * time.Hour
	stMaxValid     = 90 * 24 * time.Hour
	stMaxNote      = 300 // characters: a short note, read on phones
	stMaxHours     = 40
	stMaxQuarantDs = 60
)

// stMeasureCodes is the controlled list of measures, in the order offered.
var stMeasureCodes = []string{"quarantine", "test_required", "crew_change", "reduced_hours",
	"disinfection", "e_documents", "convoy", "prior_notice"}

// stDraft is a status being composed.
type stDraft struct {
	PlaceID    int64          `json:"place_id"`
	Freight    string         `json:"freight,omitempty"`
	Passengers string         `json:"passengers,omitempty"`
	Measures   store.Measures `json:"measures,omitempty"`
	Note       string         `json:"note,omitempty"`
	ValidUntil *time.Time     `json:"valid_until,omitempty"` // nil: seven days from publication
}

func registerStatusPosting(a *bot.App) {
	a.Command("poststatus", bot.Contributors, stPostStart)
	a.Flow(stPostFlow, bot.Members, stPostStep)
	a.Callback("spn", bot.Members, stPostForPress)
	a.Callback("sp", bot.Members, stPanelPress)
	a.Callback("stv", bot.Members, stStillValid)
	a.Renderer(stExpiryKind, stExpiryRenderer(a))
	a.Job("status_expiry", 10*time.Minute, func(ctx context.Context, now time.Time) error { return stExpire(ctx, a, now) })
}

// stCanPost says whether a member may post a status for a place: analysts and admins for any,
// a focal point for their own country's, nobody else. The error is the refusal to show.
func stCanPost(m *store.Member, p *store.Place) error {
	switch {
	case m == nil || !m.Active():
		return bot.Tell("error_not_allowed", nil)
	case m.Role == store.RoleAnalyst || m.Role == store.RoleAdmin:
		return nil
	case m.Role != store.RoleFocalPoint:
		return bot.Tell("st_post_not_allowed", nil)
	case m.Country == nil || *m.Country != p.Country:
		return bot.Tell("st_not_your_country", nil)
	}
	return nil
}

// stPostStart is /poststatus [place].
func stPostStart(ctx context.Context, r *bot.Request) error {
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("st_post_not_allowed", nil)
	}
	_, arg := r.Command()
	if strings.TrimSpace(arg) == "" {
		if err := r.SaveConv(ctx, stPostFlow, "place", stDraft{}); err != nil {
			return err
		}
		return r.Reply(ctx, "st_ask_place", nil, nil)
	}
	return stPostFor(ctx, r, arg)
}

// stPostFor resolves the place named and opens the form, or offers the closest names.
func stPostFor(ctx context.Context, r *bot.Request, query string) error {
	p, candidates, err := stResolve(ctx, r.App, query)
	if err != nil {
		return err
	}
	if p == nil {
		return stOffer(ctx, r, query, candidates, "spn")
	}
	return stOpenForm(ctx, r, p)
}

// stPostForPress opens the form for a place chosen by button (spn:<place id>).
func stPostForPress(ctx context.Context, r *bot.Request) error {
	p, err := stPressedPlace(ctx, r, "spn:")
	if p == nil {
		return err
	}
	return stOpenForm(ctx, r, p)
}

func stOpenForm(ctx context.Context, r *bot.Request, p *store.Place) error {
	if err := stCanPost(r.Member, p); err != nil {
		return err
	}
	d := stDraft{PlaceID: p.ID}
	// A new post starts from the current state, so an update changes only what changed.
	if id, err := r.App.Store.LatestStatusID(ctx, r.App.Store.DB, p.ID); err == nil {
		if s, err := r.App.Store.PlaceStatusByID(ctx, r.App.Store.DB, id); err == nil {
			d.Freight, d.Passengers, d.Measures = s.Freight, s.Passengers, s.Measures
		}
	}
	if err := r.SaveConv(ctx, stPostFlow, "panel", d); err != nil {
		return err
	}
	return stShowForm(ctx, r, d, false)
}

// stShowForm shows the form: the choices so far and a button for each.
func stShowForm(ctx context.Context, r *bot.Request, d stDraft, edit bool) error {
	a := r.App
	p, err := a.Store.Place(ctx, a.Store.DB, d.PlaceID)
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	state := func(s string) i18n.HTML {
		if s == "" {
			return i18n.HTML(r.T("st_state_unset", nil))
		}
		return i18n.HTML(r.T("st_state_"+s, nil))
	}
	var measures []string
	for _, m := range d.Measures {
		measures = append(measures, "• "+stMeasureText(a, r.Lang, m))
	}
	if len(measures) == 0 {
		measures = append(measures, r.T("st_measures_none", nil))
	}
	note := r.T("st_note_none", nil)
	if d.Note != "" {
		note = r.T("st_note_draft", map[string]any{"Note": d.Note})
	}
	valid := r.T("st_valid_default", map[string]any{"When": netTime(now.Add(stDefaultValid))})
	if d.ValidUntil != nil {
		valid = netTime(*d.ValidUntil)
	}
	text := r.T("st_form", map[string]any{
		"Place":      i18n.HTML(stPlaceName(p)),
		"Freight":    state(d.Freight),
		"Passengers": state(d.Passengers),
		"Measures":   i18n.HTML(strings.Join(measures, "\n")),
		"Note":       i18n.HTML(note),
		"Valid":      i18n.HTML(valid),
	})
	kb := &bot.Keyboard{}
	for _, dim := range []struct{ key, cur, label string }{{"f", d.Freight, "st_btn_freight"}, {"p", d.Passengers, "st_btn_passengers"}} {
		var row []bot.Button
		for _, s := range store.TrafficStates {
			row = append(row, bot.Button{Text: netCheck(dim.cur == s, r.T(dim.label, map[string]any{"State": r.T("st_word_"+s, nil)})),
				CallbackData: "sp:" + dim.key + ":" + s})
		}
		kb.Row(row...)
	}
	var row []bot.Button
	for _, code := range stMeasureCodes {
		on := slices.ContainsFunc(d.Measures, func(m store.Measure) bool { return m.Code == code })
		row = append(row, bot.Button{Text: netCheck(on, r.T("st_mbtn_"+code, nil)), CallbackData: "sp:m:" + code})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	kb.Row(bot.Button{Text: r.T("st_btn_note", nil), CallbackData: "sp:note"},
		bot.Button{Text: r.T("st_btn_valid", nil), CallbackData: "sp:valid"})
	kb.Row(bot.Button{Text: r.T("st_btn_publish", nil), CallbackData: "sp:pub"},
		bot.Button{Text: r.T("st_btn_cancel", nil), CallbackData: "sp:x"})
	if edit {
		return show(ctx, r, text, kb)
	}
	_, err = a.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}

// stPanelPress handles the form's buttons. They act only on an open form.
func stPanelPress(ctx context.Context, r *bot.Request) error {
	if err := r.Require(ctx, bot.Contributors); err != nil { // the current role, not the one at /poststatus
		return err
	}
	if r.Conv == nil || r.Conv.Flow != stPostFlow || r.Conv.Step == "place" {
		r.Answer(ctx, "st_form_closed", nil)
		return nil
	}
	var d stDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	parts := strings.SplitN(r.CallbackData(), ":", 3)
	arg := ""
	if len(parts) == 3 {
		arg = parts[2]
	}
	save := func(step string) error { return r.SaveConv(ctx, stPostFlow, step, d) }
	switch parts[1] {
	case "f", "p":
		if !slices.Contains(store.TrafficStates, arg) {
			return nil
		}
		if parts[1] == "f" {
			d.Freight = arg
		} else {
			d.Passengers = arg
		}
	case "m":
		if !slices.Contains(stMeasureCodes, arg) {
			return nil
		}
		if i := slices.IndexFunc(d.Measures, func(m store.Measure) bool { return m.Code == arg }); i >= 0 {
			d.Measures = slices.Delete(d.Measures, i, i+1)
			break
		}
		switch arg {
		case "quarantine":
			if err := save("m_days"); err != nil {
				return err
			}
			return r.Reply(ctx, "st_ask_days", map[string]any{"Max": stMaxQuarantDs}, nil)
		case "reduced_hours":
			if err := save("m_hours"); err != nil {
				return err
			}
			return r.Reply(ctx, "st_ask_hours", nil, nil)
		}
		d.Measures = append(d.Measures, store.Measure{Code: arg})
	case "note":
		if err := save("note"); err != nil {
			return err
		}
		return r.Reply(ctx, "st_ask_note", map[string]any{"Max": stMaxNote}, nil)
	case "valid":
		if err := save("valid"); err != nil {
			return err
		}
		return r.Reply(ctx, "st_ask_valid", map[string]any{"Now": netTime(r.App.Clock.Now())}, nil)
	case "pub":
		return stPublish(ctx, r, d)
	case "x":
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return show(ctx, r, r.T("st_post_cancelled", nil), nil)
	default:
		return nil
	}
	if err := save("panel"); err != nil {
		return err
	}
	return stShowForm(ctx, r, d, true)
}

// stParseValid reads a validity: a number of days, or a date (valid to its end, UTC), or a
// date and time (UTC).
func stParseValid(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return now.Add(time.Duration(n) * 24 * time.Hour), true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return t.Add(24*time.Hour - time.Minute), true
	}
	return time.Time{}, false
}

// stCheckValid refuses a validity in the past or more than 90 days ahead.
func stCheckValid(t, now time.Time) error {
	if !t.After(now) {
		return bot.Tell("st_valid_past", map[string]any{"Now": netTime(now)})
	}
	if t.Sub(now) > stMaxValid {
		return bot.Tell("st_valid_too_far", map[string]any{"Max": netTime(now.Add(stMaxValid))})
	}
	return nil
}

// stPostStep takes typed input of the posting conversation.
func stPostStep(ctx context.Context, r *bot.Request) error {
	var d stDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	text := strings.TrimSpace(r.Text())
	now := r.App.Clock.Now()
	switch r.Conv.Step {
	case "place":
		if text == "" {
			return r.Reply(ctx, "st_ask_place", nil, nil)
		}
		return stPostFor(ctx, r, text)
	case "m_days":
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > stMaxQuarantDs {
			return bot.Tell("st_days_invalid", map[string]any{"Max": stMaxQuarantDs})
		}
		d.Measures = append(d.Measures, store.Measure{Code: "quarantine", Days: n})
	case "m_hours":
		if text == "" || utf8.RuneCountInString(text) > stMaxHours {
			return bot.Tell("st_hours_invalid", map[string]any{"Max": stMaxHours})
		}
		d.Measures = append(d.Measures, store.Measure{Code: "reduced_hours", Hours: text})
	case "note":
		if n := utf8.RuneCountInString(text); n > stMaxNote {
			return bot.Tell("st_note_too_long", map[string]any{"Max": stMaxNote, "Length": n})
		}
		d.Note = text
	case "valid":
		t, ok := stParseValid(text, now)
		if !ok {
			return bot.Tell("st_valid_invalid", nil)
		}
		if err := stCheckValid(t, now); err != nil {
			return err
		}
		d.ValidUntil = &t
	default:
		return bot.Tell("st_use_buttons", nil)
	}
	if err := r.SaveConv(ctx, stPostFlow, "panel", d); err != nil {
		return err
	}
	return stShowForm(ctx, r, d, false)
}

// stPublish posts the status and tells the subscribers, in one transaction; it re-checks the
// right to post and the validity, which may have changed while the form was open.
func stPublish(ctx context.Context, r *bot.Request, d stDraft) error {
	a := r.App
	if d.Freight == "" || d.Passengers == "" {
		return bot.Tell("st_choose_states", nil)
	}
	now := a.Clock.Now()
	until := now.Add(stDefaultValid)
	if d.ValidUntil != nil {
		until = *d.ValidUntil
	}
	if err := stCheckValid(until, now); err != nil {
		return err
	}
	noteLang := r.Member.Language
	if noteLang == "" {
		noteLang = r.Lang
	}
	var p *store.Place
	var id int64
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = a.Store.LockPlace(ctx, tx, d.PlaceID); err != nil {
			return err
		}
		if err := stCanPost(r.Member, p); err != nil {
			return err
		}
		s := store.PlaceStatus{PlaceID: p.ID, AuthorID: r.Member.ID, Freight: d.Freight, Passengers: d.Passengers,
			Measures: d.Measures, Note: d.Note, NoteLang: noteLang, PostedAt: now, ValidUntil: until}
		if id, err = a.Store.InsertPlaceStatus(ctx, tx, s); err != nil {
			return err
		}
		if err := stNotifySubscribers(ctx, a, tx, p, id, r.Member.ID); err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "status_posted", SubjectID: &id, After: s}); err != nil {
			return err
		}
		return a.Store.EndConversation(ctx, tx, r.From.ID)
	})
	if err != nil {
		return err
	}
	s, err := a.Store.PlaceStatusByID(ctx, a.Store.DB, id)
	if err != nil {
		return err
	}
	return show(ctx, r, r.T("st_published", map[string]any{"Place": i18n.HTML(stPlaceName(p)),
		"Status": i18n.HTML(stStatusBlock(ctx, a, r.Lang, s, now))}), nil)
}

// stNotifySubscribers queues the news of a status to those subscribed to its place or country,
// at routine priority; the author is not told of their own post.
func stNotifySubscribers(ctx context.Context, a *bot.App, tx *sqlx.Tx, p *store.Place, statusID, authorID int64) error {
	subs, err := a.Store.StatusSubscribers(ctx, tx, p.Country, p.ID)
	if err != nil {
		return err
	}
	var items []delivery.Item
	for _, s := range subs {
		if s.MemberID != authorID {
			items = append(items, delivery.Item{MemberID: s.MemberID, ChatID: s.ChatID, Kind: stChangeKind, RefID: statusID, Priority: delivery.Routine})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

// stExpire is the job that asks, once, for each expired status still its place's latest: its
// author if they may still post for the place, else the country's focal points.
func stExpire(ctx context.Context, a *bot.App, now time.Time) error {
	return a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		expired, err := a.Store.ClaimExpiredStatuses(ctx, tx, now)
		if err != nil {
			return err
		}
		for _, s := range expired {
			p, err := a.Store.Place(ctx, tx, s.PlaceID)
			if err != nil {
				return err
			}
			var to []store.Recipient
			if author, err := a.Store.MemberByID(ctx, s.AuthorID); err == nil && stCanPost(author, p) == nil {
				to = []store.Recipient{{MemberID: author.ID, ChatID: author.ChatID}}
			} else if to, err = a.Store.FocalPointsOf(ctx, tx, p.Country); err != nil {
				return err
			}
			items := make([]delivery.Item, len(to))
			for i, m := range to {
				items[i] = delivery.Item{MemberID: m.MemberID, ChatID: m.ChatID, Kind: stExpiryKind, RefID: s.ID, Priority: delivery.Routine}
			}
			if _, err := delivery.Enqueue(ctx, tx, items); err != nil {
				return err
			}
		}
		return nil
	})
}

// stExpiryRenderer asks to confirm or update an expired status; once a newer status exists
// the question is moot and the row is skipped.
func stExpiryRenderer(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		s, err := a.Store.PlaceStatusByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		latest, err := a.Store.LatestStatusID(ctx, a.Store.DB, s.PlaceID)
		if err != nil {
			return delivery.Message{}, err
		}
		if latest != s.ID {
			return delivery.Message{}, fmt.Errorf("status #%d superseded: %w", s.ID, delivery.ErrSkip)
		}
		p, err := a.Store.Place(ctx, a.Store.DB, s.PlaceID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := memberLang(a, to)
		id := "st_expiry_other"
		if to.ID == s.AuthorID {
			id = "st_expiry_author"
		}
		text := a.I18n.T(lang, id, map[string]any{"Place": i18n.HTML(stPlaceName(p)),
			"Status": i18n.HTML(stStatusBlock(ctx, a, lang, s, a.Clock.Now()))})
		kb := (&bot.Keyboard{}).
			Row(bot.Button{Text: a.I18n.T(lang, "st_btn_still_valid", nil), CallbackData: fmt.Sprintf("stv:%d", s.ID)}).
			Row(bot.Button{Text: a.I18n.T(lang, "st_btn_update", nil), CallbackData: fmt.Sprintf("spn:%d", p.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}

// stStillValid re-posts an expired status unchanged for another seven days (stv:<status id>).
// Only while it is still its place's latest: a second press, or one after an update, finds a
// newer status and does nothing.
func stStillValid(ctx context.Context, r *bot.Request) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.CallbackData(), "stv:"), 10, 64)
	if err != nil {
		return nil
	}
	a := r.App
	now := a.Clock.Now()
	var p *store.Place
	var newID int64
	err = a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		old, err := a.Store.PlaceStatusByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if p, err = a.Store.LockPlace(ctx, tx, old.PlaceID); err != nil {
			return err
		}
		if err := stCanPost(r.Member, p); err != nil {
			return err
		}
		latest, err := a.Store.LatestStatusID(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if latest != old.ID {
			return bot.Tell("st_already_updated", nil)
		}
		s := *old
		s.AuthorID, s.ConfirmsID, s.PostedAt, s.ValidUntil = r.Member.ID, &old.ID, now, now.Add(stDefaultValid)
		if newID, err = a.Store.InsertPlaceStatus(ctx, tx, s); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "status_confirmed", SubjectID: &newID,
			After: map[string]any{"confirms": old.ID, "valid_until": s.ValidUntil}})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "st_still_valid_done", map[string]any{"Place": i18n.HTML(stPlaceName(p)),
		"When": netTime(now.Add(stDefaultValid))}, nil)
}
