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
