package alerttext_test

import (
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/i18n"
	"focalbot/locales"
)

// The declared goods are labelled with the language they were written in, like the
// description, where that is not the reader's: by the script when the author's language is
// not written in it.
func TestGoodsLabelled(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	c := &alert.Content{Classification: alert.ClassUrgent, Goods: "Ковры шерстяные", Text: "Seal broken", Lang: "en"}
	en := alerttext.Render(b, "en", c, alerttext.Meta{Ref: "ALR-2026-000001", Time: time.Now()})
	if !strings.Contains(en, "Ковры шерстяные <i>(written in Cyrillic script)</i>") {
		t.Errorf("goods not labelled:\n%s", en)
	}
	if !strings.Contains(en, "(written in English") {
		t.Errorf("description not labelled English:\n%s", en)
	}
	c.Goods = "Wool carpets"
	if en := alerttext.Render(b, "en", c, alerttext.Meta{Ref: "ALR-2026-000001", Time: time.Now()}); strings.Contains(en, "Wool carpets <i>") {
		t.Errorf("goods in the reader's language labelled:\n%s", en)
	}
}

// An alert reaches Pashto, Dari and Urdu readers with every typed value in logical order:
// quantities, goods, identifiers, places and free text mixing Latin, Cyrillic and digits stand
// in isolates, and no run holding a left-to-right letter and a digit is left outside one.
func TestRenderIsolatesTypedValuesRightToLeft(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	kz := "KZ"
	c := &alert.Content{
		Classification: alert.ClassUrgent, Conveyance: "road", Substance: "heroin", Concealment: "false_wall",
		Risks:       []string{"route_deviation"},
		Identifiers: []alert.Identifier{{Kind: alert.KindPlate, Value: "01 A 123 BC"}, {Kind: alert.KindContainer, Value: "MSCU1234566"}},
		Route: []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"},
			{Role: "destination", Country: "UZ", Name: "Термез 2"}},
		Goods:    "Мука пшеничная 1 сорт",
		Quantity: "18 т, 1200 қап",
		Text:     "Водитель Kamaz 5490 — 2 человека\nплатформа № 7, 23:40",
		Lang:     "ru",
	}
	for _, lang := range []string{"ur", "ps", "fa-AF"} {
		out := alerttext.Render(b, lang, c, alerttext.Meta{Ref: "ALR-2026-000042", AuthorCountry: &kz,
			Time: time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC), Zone: time.UTC})
		if runs := i18n.LTRRunsOutsideIsolates(out); len(runs) > 0 {
			t.Errorf("%s: left-to-right runs with digits outside isolates %q in\n%s", lang, runs, out)
		}
		if !strings.Contains(out, "\u206818 т, 1200 қап\u2069") {
			t.Errorf("%s: the quantity is not isolated whole:\n%q", lang, out)
		}
	}
	// Left-to-right readers get no marks.
	if en := alerttext.Render(b, "en", c, alerttext.Meta{}); strings.ContainsAny(en, "\u2068\u2069") {
		t.Errorf("English rendering has isolates: %q", en)
	}
}
