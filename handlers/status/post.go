package status

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
	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Posting an operational status: a focal point for a place of their own country, an analyst
// or admin for any. The draft lives in the conversation; its panel's buttons (sp:…) act on the
// conversation, so a press after the form was published or cancelled finds none and does
// nothing. Also here: the expiry job and the one-tap "still valid".

const (
	postFlow     = "status_post"
	expiryKind   = "status_expiry" // outbox rows: "your status expired: still valid?"
	defaultValid = 7 * 24 * time.Hour
	maxValid     = 90 * 24 * time.Hour
	maxNote      = 300 // UTF-16 units as Telegram counts: a short note, read on phones
	maxHours     = 40
	maxQuarantDs = 60
)

// MeasureCodes is the controlled list of measures, in the order offered (st_measure_… and
// st_mbtn_… in the locales).
var MeasureCodes = []string{"quarantine", "test_required", "crew_change", "reduced_hours",
	"disinfection", "e_documents", "convoy", "prior_notice"}

// draft is a status being composed.
type draft struct {
	PlaceID    int64          `json:"place_id"`
	Freight    string         `json:"freight,omitempty"`
	Passengers string         `json:"passengers,omitempty"`
	Measures   store.Measures `json:"measures,omitempty"`
	Note       string         `json:"note,omitempty"`
	ValidUntil *time.Time     `json:"valid_until,omitempty"` // nil: seven days from publication
}

func registerPosting(a *bot.App) {
	a.Command("poststatus", bot.Contributors, postStart)
	a.Flow(postFlow, bot.Members, postStep)
	a.Callback(verbPostFor, bot.Members, postForPress)
	a.Callback(verbPost, bot.Members, panelPress)
	a.Callback(verbStillValid, bot.Members, stillValid)
	a.Renderer(expiryKind, expiryRenderer(a))
	a.Job("status_expiry", 10*time.Minute, func(ctx context.Context, now time.Time) error { return expire(ctx, a, now) })
}

// canPost says whether a member may post a status for a place: analysts and admins for any,
// a focal point for their own country's, nobody else. The error is the refusal to show.
func canPost(m *store.Member, p *store.Place) error {
	switch {
	case m == nil || !m.Active():
		return bot.Tell("error_not_allowed", nil)
	case m.IsAnalyst():
		return nil
	case m.Role != store.RoleFocalPoint:
		return bot.Tell("st_post_not_allowed", nil)
	case m.Country == nil || *m.Country != p.Country:
		return bot.Tell("st_not_your_country", nil)
	}
	return nil
}

// postStart is /poststatus [place].
func postStart(ctx context.Context, r *bot.Request) error {
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("st_post_not_allowed", nil)
	}
	_, arg := r.Command()
	if strings.TrimSpace(arg) == "" {
		if err := r.SaveConv(ctx, postFlow, "place", draft{}); err != nil {
			return err
		}
		return r.Reply(ctx, "st_ask_place", nil, nil)
	}
	return postFor(ctx, r, arg)
}

// postFor resolves the place named and opens the form, or offers the closest names.
func postFor(ctx context.Context, r *bot.Request, query string) error {
	p, candidates, several, err := resolve(ctx, r.App, query)
	if err != nil {
		return err
	}
	if p == nil {
		return offer(ctx, r, query, candidates, several, verbPostFor)
	}
	return openForm(ctx, r, p)
}

// postForPress opens the form for a place chosen by button (spn:<place id>).
func postForPress(ctx context.Context, r *bot.Request) error {
	p, err := pressedPlace(ctx, r)
	if p == nil {
		return err
	}
	if err := openForm(ctx, r, p); err != nil {
		return err
	}
	r.ClosePressed() // the places offered: one was chosen
	return nil
}

func openForm(ctx context.Context, r *bot.Request, p *store.Place) error {
	if err := canPost(r.Member, p); err != nil {
		return err
	}
	d := draft{PlaceID: p.ID}
	// A new post starts from the current state, so an update changes only what changed.
	if id, err := store.LatestStatusID(ctx, r.App.Store.DB, p.ID); err == nil {
		if s, err := store.PlaceStatusByID(ctx, r.App.Store.DB, id); err == nil {
			d.Freight, d.Passengers, d.Measures = s.Freight, s.Passengers, s.Measures
		}
	}
	if err := r.SaveConv(ctx, postFlow, "panel", d); err != nil {
		return err
	}
	return showForm(ctx, r, d, false)
}

// showForm shows the form: the choices so far and a button for each.
func showForm(ctx context.Context, r *bot.Request, d draft, edit bool) error {
	a := r.App
	p, err := store.PlaceByID(ctx, a.Store.DB, d.PlaceID)
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
		measures = append(measures, "• "+measureText(a, r.Lang, m))
	}
	if len(measures) == 0 {
		measures = append(measures, r.T("st_measures_none", nil))
	}
	note := r.T("st_note_none", nil)
	if d.Note != "" {
		note = r.T("st_note_draft", map[string]any{"Note": d.Note})
	}
	valid := r.T("st_valid_default", map[string]any{"When": ui.Time(r.Member, now.Add(defaultValid))})
	if d.ValidUntil != nil {
		valid = ui.Time(r.Member, *d.ValidUntil)
	}
	text := r.T("st_form", map[string]any{
		"Place":      i18n.HTML(placeName(r.Lang, p)),
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
			row = append(row, bot.Button{Text: ui.Check(dim.cur == s, r.T(dim.label, map[string]any{"State": r.T("st_word_"+s, nil)})),
				CallbackData: bot.CB(verbPost, dim.key, s)})
		}
		kb.Row(row...)
	}
	var row []bot.Button
	for _, code := range MeasureCodes {
		on := slices.ContainsFunc(d.Measures, func(m store.Measure) bool { return m.Code == code })
		row = append(row, bot.Button{Text: ui.Check(on, r.T("st_mbtn_"+code, nil)), CallbackData: bot.CB(verbPost, "m", code)})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	kb.Row(bot.Button{Text: r.T("st_btn_note", nil), CallbackData: bot.CB(verbPost, "note")},
		bot.Button{Text: r.T("st_btn_valid", nil), CallbackData: bot.CB(verbPost, "valid")})
	kb.Row(bot.Button{Text: r.T("st_btn_publish", nil), CallbackData: bot.CB(verbPost, "pub")},
		bot.Button{Text: r.T("st_btn_cancel", nil), CallbackData: bot.CB(verbPost, "x")})
	if edit {
		return ui.Show(ctx, r, text, kb)
	}
	// Sent anew (after a typed note, say): the conversation's panel, the old form closed.
	return ui.Ask(ctx, r, text, kb)
}

// panelPress handles the form's buttons. They act only on an open form.
func panelPress(ctx context.Context, r *bot.Request) error {
	if err := r.Require(ctx, bot.Contributors); err != nil { // the current role, not the one at the start
		return err
	}
	if r.Conv == nil || r.Conv.Flow != postFlow || r.Conv.Step == "place" {
		r.Answer(ctx, "st_form_closed", nil)
		return nil
	}
	var d draft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	parts := r.Data().Parts()
	arg := ""
	if len(parts) == 3 {
		arg = parts[2]
	}
	save := func(step string) error { return r.SaveConv(ctx, postFlow, step, d) }
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
		if !slices.Contains(MeasureCodes, arg) {
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
			return r.Reply(ctx, "st_ask_days", map[string]any{"Max": maxQuarantDs}, nil)
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
		return r.Reply(ctx, "st_ask_note", map[string]any{"Max": maxNote}, nil)
	case "valid":
		if err := save("valid"); err != nil {
			return err
		}
		return r.Reply(ctx, "st_ask_valid_zone", map[string]any{"Now": ui.Time(r.Member, r.App.Clock.Now()), "Zone": ui.ZoneName(r.Member, r.App.Clock.Now())}, nil)
	case "pub":
		return publish(ctx, r, d)
	case "x":
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return ui.Show(ctx, r, r.T("st_post_cancelled", nil), nil)
	default:
		return nil
	}
	if err := save("panel"); err != nil {
		return err
	}
	return showForm(ctx, r, d, true)
}

// parseValid reads a validity: a number of days, or a date (valid to its end), or a date and
// time, in the typer's zone loc.
func parseValid(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return now.Add(time.Duration(n) * 24 * time.Hour), true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 0, 0, loc).UTC(), true
	}
	return time.Time{}, false
}

// checkValid refuses a validity in the past or more than 90 days ahead.
func checkValid(t, now time.Time, reader *store.Member) error {
	if !t.After(now) {
		return bot.Tell("st_valid_past", map[string]any{"Now": ui.Time(reader, now)})
	}
	if t.Sub(now) > maxValid {
		return bot.Tell("st_valid_too_far", map[string]any{"Max": ui.Time(reader, now.Add(maxValid))})
	}
	return nil
}

// postStep takes typed input of the posting conversation.
func postStep(ctx context.Context, r *bot.Request) error {
	var d draft
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
		return postFor(ctx, r, text)
	case "m_days":
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > maxQuarantDs {
			return bot.Tell("st_days_invalid", map[string]any{"Max": maxQuarantDs})
		}
		d.Measures = append(d.Measures, store.Measure{Code: "quarantine", Days: n})
	case "m_hours":
		if text == "" || utf8.RuneCountInString(text) > maxHours {
			return bot.Tell("st_hours_invalid", map[string]any{"Max": maxHours})
		}
		d.Measures = append(d.Measures, store.Measure{Code: "reduced_hours", Hours: text})
	case "note":
		if n := alert.UTF16Len(text); n > maxNote { // as Telegram counts: an emoji is two
			return bot.Tell("st_note_too_long", map[string]any{"Max": maxNote, "Length": n})
		}
		d.Note = text
	case "valid":
		t, ok := parseValid(text, now, ui.Zone(r.Member))
		if !ok {
			return bot.Tell("st_valid_invalid", nil)
		}
		if err := checkValid(t, now, r.Member); err != nil {
			return err
		}
		d.ValidUntil = &t
	default:
		return bot.Tell("st_use_buttons", nil)
	}
	if err := r.SaveConv(ctx, postFlow, "panel", d); err != nil {
		return err
	}
	return showForm(ctx, r, d, false)
}

// publish posts the status and tells the subscribers, in one transaction; it re-checks the
// right to post and the validity, which may have changed while the form was open.
func publish(ctx context.Context, r *bot.Request, d draft) error {
	a := r.App
	if d.Freight == "" || d.Passengers == "" {
		return bot.Tell("st_choose_states", nil)
	}
	now := a.Clock.Now()
	until := now.Add(defaultValid)
	if d.ValidUntil != nil {
		until = *d.ValidUntil
	}
	if err := checkValid(until, now, r.Member); err != nil {
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
		if p, err = store.LockPlace(ctx, tx, d.PlaceID); err != nil {
			return err
		}
		if err := canPost(r.Member, p); err != nil {
			return err
		}
		s := store.PlaceStatus{PlaceID: p.ID, AuthorID: r.Member.ID, Freight: d.Freight, Passengers: d.Passengers,
			Measures: d.Measures, Note: d.Note, NoteLang: noteLang, PostedAt: now, ValidUntil: until}
		if id, err = store.InsertPlaceStatus(ctx, tx, s); err != nil {
			return err
		}
		if err := notifySubscribers(ctx, a, tx, p, id, r.Member.ID); err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "status_posted", SubjectID: &id, After: s}); err != nil {
			return err
		}
		return store.EndConversation(ctx, tx, r.From.ID)
	})
	if err != nil {
		return err
	}
	s, err := store.PlaceStatusByID(ctx, a.Store.DB, id)
	if err != nil {
		return err
	}
	return ui.Show(ctx, r, r.T("st_published", map[string]any{"Place": i18n.HTML(placeName(r.Lang, p)),
		"Status": i18n.HTML(statusBlock(ctx, a, r.Lang, r.Member, s, now))}), nil)
}

// notifySubscribers queues the news of a status to those subscribed to its place or country,
// at routine priority; the author is not told of their own post.
func notifySubscribers(ctx context.Context, a *bot.App, tx *sqlx.Tx, p *store.Place, statusID, authorID int64) error {
	subs, err := store.StatusSubscribers(ctx, tx, p.Country, p.ID)
	if err != nil {
		return err
	}
	var items []delivery.Item
	for _, s := range subs {
		if s.MemberID != authorID {
			items = append(items, delivery.Item{MemberID: s.MemberID, ChatID: s.ChatID, Kind: changeKind, RefID: statusID, Priority: delivery.Routine})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

// expire is the job that asks, once, for each expired status still its place's latest: its
// author if they may still post for the place, else the country's focal points.
func expire(ctx context.Context, a *bot.App, now time.Time) error {
	return a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		expired, err := store.ClaimExpiredStatuses(ctx, tx, now)
		if err != nil {
			return err
		}
		for _, s := range expired {
			p, err := store.PlaceByID(ctx, tx, s.PlaceID)
			if err != nil {
				return err
			}
			var to []store.Recipient
			if author, err := store.MemberByID(ctx, a.Store.DB, s.AuthorID); err == nil && canPost(author, p) == nil {
				to = []store.Recipient{{MemberID: author.ID, ChatID: author.ChatID}}
			} else if to, err = store.FocalPointsOf(ctx, tx, p.Country); err != nil {
				return err
			}
			items := make([]delivery.Item, len(to))
			for i, m := range to {
				items[i] = delivery.Item{MemberID: m.MemberID, ChatID: m.ChatID, Kind: expiryKind, RefID: s.ID, Priority: delivery.Routine}
			}
			if _, err := delivery.Enqueue(ctx, tx, items); err != nil {
				return err
			}
		}
		return nil
	})
}

// expiryRenderer asks to confirm or update an expired status; once a newer status exists
// the question is moot and the row is skipped.
func expiryRenderer(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		s, err := store.PlaceStatusByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		latest, err := store.LatestStatusID(ctx, a.Store.DB, s.PlaceID)
		if err != nil {
			return delivery.Message{}, err
		}
		if latest != s.ID {
			return delivery.Message{}, fmt.Errorf("status #%d superseded: %w", s.ID, delivery.ErrSkip)
		}
		p, err := store.PlaceByID(ctx, a.Store.DB, s.PlaceID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		id := "st_expiry_other"
		if to.ID == s.AuthorID {
			id = "st_expiry_author"
		}
		text := a.I18n.T(lang, id, map[string]any{"Place": i18n.HTML(placeName(lang, p)),
			"Status": i18n.HTML(statusBlock(ctx, a, lang, to, s, a.Clock.Now()))})
		kb := (&bot.Keyboard{}).
			Row(bot.Button{Text: a.I18n.T(lang, "st_btn_still_valid", nil), CallbackData: bot.CB(verbStillValid, s.ID)}).
			Row(bot.Button{Text: a.I18n.T(lang, "st_btn_update", nil), CallbackData: bot.CB(verbPostFor, p.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}

// stillValid re-posts an expired status unchanged for another seven days (stv:<status id>).
// Only while it is still its place's latest: a second press, or one after an update, finds a
// newer status and does nothing.
func stillValid(ctx context.Context, r *bot.Request) error {
	id := r.Data().ID(0)
	if id == 0 {
		return nil // forged: the empty answer
	}
	a := r.App
	now := a.Clock.Now()
	var p *store.Place
	var newID int64
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		old, err := store.PlaceStatusByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if p, err = store.LockPlace(ctx, tx, old.PlaceID); err != nil {
			return err
		}
		if err := canPost(r.Member, p); err != nil {
			return err
		}
		latest, err := store.LatestStatusID(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if latest != old.ID {
			return bot.Tell("st_already_updated", nil)
		}
		s := *old
		s.AuthorID, s.ConfirmsID, s.PostedAt, s.ValidUntil = r.Member.ID, &old.ID, now, now.Add(defaultValid)
		if newID, err = store.InsertPlaceStatus(ctx, tx, s); err != nil {
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
	return r.Reply(ctx, "st_still_valid_done", map[string]any{"Place": i18n.HTML(placeName(r.Lang, p)),
		"When": ui.Time(r.Member, now.Add(defaultValid))}, nil)
}
