package handlers_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/telegramtest"
	"focalbot/handlers/ui"
	"focalbot/locales"
)

// A route place is found by its name in any script, and a name several places share is
// answered with a button for each: pressing one adds it to the route.
func TestAlertRoutePlaceInAnyScriptAndAmbiguousAsButtons(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))
	n.say(kazakhFP, "Алматы", "Almaty (KZALA)")

	n.press(kazakhFP, T("alert_label_transit"), T("alert_label_transit"))
	m := n.say(kazakhFP, "Termez", "Termez")
	var labels []string
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.CallbackData, "ad:rpl:") { // beside Done and Cancel: the choices are the step's panel
			labels = append(labels, b.Text)
		}
	}
	if got := strings.Join(labels, "|"); got != "Termez (TMTMZ)|Termez (UZTER)" && got != "Termez (UZTER)|Termez (TMTMZ)" {
		t.Fatalf("Termez offered %q, want a button for each Termez", labels)
	}
	n.press(kazakhFP, "Termez (UZTER)", "Termez (UZTER)")
	if d := n.draft(kazakhFP); !strings.Contains(d, "UZTER") || strings.Contains(d, "TMTMZ") {
		t.Errorf("draft after choosing Termez (UZTER): %s", d)
	}
	// A late press of the other Termez, the step having moved on, changes nothing (the
	// choices lost their buttons when answered: the press is forged).
	n.users[kazakhFP].PressForged(m.ID, "ad:rpl:TMTMZ")
	n.waitToast(kazakhFP, T("button_stale"))
	n.press(kazakhFP, T("alert_label_destination"), T("alert_label_destination"))
	n.say(kazakhFP, "Тошкент", "Tashkent (UZTAS)")
}

// labelIDs are the message IDs shown as button labels, with the width of a mark some keyboards
// put before them (✓ of a chosen option, ✎ of an answer to correct): every *_btn_* message,
// the vocabularies offered as choices, the field labels of the review's ✎ buttons, roles,
// agencies and urgencies.
func labelIDs(t *testing.T) map[string]int {
	t.Helper()
	var en map[string]any
	data, err := fs.ReadFile(locales.FS, "en.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(data, &en); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for id := range en {
		switch {
		case strings.HasPrefix(id, "btn_") || strings.Contains(id, "_btn_") || strings.HasPrefix(id, "role_") ||
			strings.HasPrefix(id, "agency_") || strings.HasPrefix(id, "rfi_urgency_"):
			ids[id] = 0
		case strings.HasPrefix(id, "alert_label_") || strings.Contains(id, "_mbtn_") || strings.HasPrefix(id, "net_role_") ||
			strings.HasPrefix(id, "net_agency_") || strings.HasPrefix(id, "net_kind_"):
			ids[id] = 2 // ✎ to correct, ✓ when chosen
		}
	}
	ids["bc_btn_ack_request"] = 2
	ids["bc_btn_confidential"] = 2
	for _, id := range vocabularyIDs() {
		ids[id] = 0
	}
	for _, c := range alert.Risks.Codes {
		ids[alert.Risks.ID(c)] = 3 // ✅ when chosen
	}
	if len(ids) < 150 {
		t.Fatalf("only %d label IDs found", len(ids))
	}
	return ids
}

// Every button label fits a button of a whole row on a 360-pixel phone (bot.RowBudget, chosen
// from the sandbox page at that width) in every language; labels that fit two or three to a
// row are laid out so by bot.Keyboard.Row, the others one to a row.
func TestButtonLabelsFitAPhone(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	budget := bot.RowBudget(1)
	for _, lang := range b.Languages() {
		sample := map[string]any{"Country": i18n.CountryName(lang, "KZ"), "Name": "Almaty", "Ref": "KZ-2026-0042",
			"Count": 12, "N": 12, "ID": 42, "Recipients": b.N(lang, "bc_recipients", 120, nil), "When": ui.Time(nil, time.Now()),
			"State": b.T(lang, "st_word_restricted", nil), "Language": i18n.NativeName("ru"), "Zone": "UTC+4:30"}
		for id, mark := range labelIDs(t) {
			label := telegramtest.StripHTML(b.T(lang, id, sample))
			if w := bot.LabelWidth(label) + mark; w > budget {
				t.Errorf("%s.%s: %q is %d wide, over the %d of a row", lang, id, label, w, budget)
			}
		}
	}
}

// One tap on Cancel does not throw away a draft of more than two answers: it asks, Keep keeps
// the draft where it was, and only "Yes, discard" ends it. A draft of two answers or fewer goes
// at once, as before.
func TestAlertDraftDiscardAsksBeyondTwoAnswers(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	u := n.users[kazakhFP]

	// Two answers: gone at once.
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_btn_cancel"), T("cancelled"))
	var open int
	if err := n.h.Store.DB.Get(&open, `SELECT count(*) FROM conversations WHERE telegram_user_id = $1`, int64(kazakhFP)); err != nil || open != 0 {
		t.Fatalf("%d conversations open (%v) after cancelling a draft of two answers", open, err)
	}

	// Three answers: asked first.
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	ask := n.plain(kl, "alert_discard_confirm", map[string]any{"Count": 3})
	confirm := n.press(kazakhFP, T("alert_btn_cancel"), ask)
	if _, ok := confirm.Button(T("alert_btn_discard_yes")); !ok {
		t.Fatalf("the confirmation %q has no %q button", confirm.Plain(), T("alert_btn_discard_yes"))
	}
	n.press(kazakhFP, T("alert_btn_keep"), "")
	u.WaitOn(confirm.ID, T("alert_discard_kept"))
	if d := n.draft(kazakhFP); !strings.Contains(d, "MSCU1234566") {
		t.Fatalf("the kept draft lost its answers: %s", d)
	}
	// The draft goes on where it was: the next identifier is taken.
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "CSQU3054383", "CSQU3054383")

	confirm = n.press(kazakhFP, T("alert_btn_cancel"), n.plain(kl, "alert_discard_confirm", map[string]any{"Count": 4}))
	n.press(kazakhFP, T("alert_btn_discard_yes"), "")
	u.WaitOn(confirm.ID, T("cancelled"))
	if err := n.h.Store.DB.Get(&open, `SELECT count(*) FROM conversations WHERE telegram_user_id = $1`, int64(kazakhFP)); err != nil || open != 0 {
		t.Errorf("%d conversations open (%v) after discarding", open, err)
	}
}
