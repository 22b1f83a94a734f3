package status

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Admins add and correct the places of the status board in the bot: /placeadd CC Name creates
// a place, /placeedit <place> opens its panel (names, LOCODE, kinds, active). The same can be
// done with `focalbot places`.

const placeEditFlow = "place_edit"

type placeEditConv struct {
	ID int64 `json:"id"`
}

func registerPlacesAdmin(a *bot.App) {
	a.Command("placeadd", bot.Admins, placeAdd)
	a.Command("placeedit", bot.Admins, placeEdit)
	a.Callback(verbPlaceEdit, bot.Admins, placeEditPress)
	a.Flow(placeEditFlow, bot.Admins, placeEditStep)
}

// placeAdd is /placeadd CC Latin name: the place is created as a border crossing and its panel
// shown to complete it.
func placeAdd(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	cc, name, _ := strings.Cut(strings.TrimSpace(arg), " ")
	cc, name = strings.ToUpper(cc), strings.TrimSpace(name)
	if !slices.Contains(store.NetworkCountries, cc) || name == "" {
		return bot.Tell("place_add_usage", nil)
	}
	p := store.Place{Country: cc, Name: name, Kinds: []string{"border_crossing"}, Active: true}
	var id int64
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = store.InsertPlace(ctx, tx, p); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "place_added", SubjectID: &id, After: p})
	})
	if err != nil {
		return err
	}
	return placeShowPanel(ctx, r, id, false)
}

// placeEdit is /placeedit <name or LOCODE>.
func placeEdit(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	if strings.TrimSpace(arg) == "" {
		return bot.Tell("place_edit_usage", nil)
	}
	p, candidates, several, err := resolve(ctx, r.App, arg)
	if err != nil {
		return err
	}
	if p == nil {
		return offer(ctx, r, arg, candidates, several, verbPlaceEdit)
	}
	return placeShowPanel(ctx, r, p.ID, false)
}

// placeShowPanel shows a place's fields with a button to correct each.
func placeShowPanel(ctx context.Context, r *bot.Request, id int64, edit bool) error {
	a := r.App
	p, err := store.PlaceByID(ctx, a.Store.DB, id)
	if err != nil {
		return err
	}
	state := r.T("place_active", nil)
	if !p.Active {
		state = r.T("place_inactive", nil)
	}
	text := r.T("place_panel", map[string]any{
		"ID": p.ID, "Name": p.Name, "Local": p.NameLocal, "Locode": p.LocodeOf(),
		"Country": i18n.CountryName(r.Lang, p.Country), "Kinds": kinds(a, r.Lang, p), "State": i18n.HTML(state),
	})
	pre := func(fields ...any) string { return bot.CB(verbPlaceEdit, append([]any{p.ID}, fields...)...) }
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: r.T("place_btn_name", nil), CallbackData: pre("name")},
			bot.Button{Text: r.T("place_btn_local", nil), CallbackData: pre("local")},
			bot.Button{Text: r.T("place_btn_locode", nil), CallbackData: pre("locode")})
	var row []bot.Button
	for _, k := range store.PlaceKinds {
		row = append(row, bot.Button{Text: ui.Check(slices.Contains(p.Kinds, k), r.T("net_kind_"+k, nil)), CallbackData: pre("k", k)})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	toggle := "place_btn_deactivate"
	if !p.Active {
		toggle = "place_btn_activate"
	}
	kb.Row(bot.Button{Text: r.T(toggle, nil), CallbackData: pre("active")},
		bot.Button{Text: r.T("place_btn_done", nil), CallbackData: pre("done")})
	if edit {
		return ui.Show(ctx, r, text, kb)
	}
	_, err = a.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}

// placeEditPress handles the panel (pe:<id>[:<field>[:<kind>]]); "pe:<id>" alone opens it.
func placeEditPress(ctx context.Context, r *bot.Request) error {
	parts := r.Data().Parts()
	if len(parts) < 2 {
		return nil
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil
	}
	a := r.App
	p, err := store.PlaceByID(ctx, a.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(parts) == 2 {
		return placeShowPanel(ctx, r, id, false)
	}
	switch parts[2] {
	case "name", "local", "locode":
		if err := r.SaveConv(ctx, placeEditFlow, parts[2], placeEditConv{ID: id}); err != nil {
			return err
		}
		return r.Reply(ctx, "place_ask_"+parts[2], nil, nil)
	case "k":
		if len(parts) != 4 || !slices.Contains(store.PlaceKinds, parts[3]) {
			return nil
		}
		kinds := ui.Toggle(slices.Clone([]string(p.Kinds)), parts[3])
		if len(kinds) == 0 {
			r.Answer(ctx, "place_kinds_empty", nil)
			return nil
		}
		before := *p
		p.Kinds = kinds
		if err := placeSave(ctx, r, &before, p); err != nil {
			return err
		}
	case "active":
		before := *p
		p.Active = !p.Active
		if err := placeSave(ctx, r, &before, p); err != nil {
			return err
		}
	case "done":
		if r.Conv != nil && r.Conv.Flow == placeEditFlow {
			if err := r.EndConv(ctx); err != nil {
				return err
			}
		}
		r.Answer(ctx, "place_saved", nil)
		return nil
	default:
		return nil
	}
	return placeShowPanel(ctx, r, id, true)
}

// placeSave stores a corrected place with its audit entry.
func placeSave(ctx context.Context, r *bot.Request, before, after *store.Place) error {
	return r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := store.UpdatePlace(ctx, tx, *after); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "place_corrected", SubjectID: &after.ID,
			Before: before, After: after})
	})
}

// placeEditStep takes a typed correction: a name, a local name, or a LOCODE ("-" clears the
// last two).
func placeEditStep(ctx context.Context, r *bot.Request) error {
	var c placeEditConv
	if err := r.ConvData(&c); err != nil {
		return err
	}
	p, err := store.PlaceByID(ctx, r.App.Store.DB, c.ID)
	if err != nil {
		return err
	}
	before := *p
	v := strings.TrimSpace(r.Text())
	if len([]rune(v)) > 100 {
		return bot.Tell("place_value_too_long", nil)
	}
	switch r.Conv.Step {
	case "name":
		if v == "" || v == "-" {
			return bot.Tell("place_name_required", nil)
		}
		p.Name = v
	case "local":
		if v == "-" {
			v = ""
		}
		p.NameLocal = v
	case "locode":
		if v == "-" {
			p.Locode = nil
			break
		}
		v = strings.ToUpper(strings.ReplaceAll(v, " ", ""))
		if !store.PlaceLocodePattern.MatchString(v) || v[:2] != p.Country {
			return bot.Tell("place_locode_invalid", map[string]any{"Country": p.Country})
		}
		if other, err := store.PlaceByLocode(ctx, r.App.Store.DB, v); err == nil && other.ID != p.ID {
			return bot.Tell("place_locode_taken", map[string]any{"Locode": v, "Name": other.Name})
		}
		p.Locode = &v
	default:
		return nil
	}
	if err := placeSave(ctx, r, &before, p); err != nil {
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return placeShowPanel(ctx, r, p.ID, false)
}
