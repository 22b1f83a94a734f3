package alert_test

import (
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
)

// An Uzbek officer types ' or ’ (or `) where the locale file writes ʻ and ʼ: the words still
// match, and the other way round.
func TestVocabularyFoldsApostrophes(t *testing.T) {
	tr := bundle(t)
	for _, tt := range []struct {
		v    alert.Vocabulary
		word string
		want string
	}{
		{alert.Risks, "Yo'nalishdan chetlanish", "route_deviation"},
		{alert.Risks, "Yo’nalishdan chetlanish", "route_deviation"},
		{alert.Risks, "yo`nalishdan chetlanish", "route_deviation"},
		{alert.Risks, "Noto'g'ri deklaratsiya", "false_declaration"},
		{alert.Substances, "Noma'lum", "unknown"},
		{alert.Conveyances, "Temir yo‘l vagoni", "rail"},
		{alert.Classifications, "E'tibor uchun ma'lumot", "attention"},
	} {
		if got, ok := tt.v.Match(tr, tt.word); !ok || got != tt.want {
			t.Errorf("%s.Match(%q) = %q %v, want %q", tt.v.Name, tt.word, got, ok, tt.want)
		}
	}
}

// «yo'q» with an ASCII apostrophe is the Uzbek «yoʻq» of the locale file.
func TestYesNoFoldsApostrophes(t *testing.T) {
	tr := bundle(t)
	for _, no := range []string{"yo'q", "yo’q", "yoʻq", "YO‘Q"} {
		c, problems := alert.ParseForm(tr, "Tasnif: Shoshilinch ogohlantirish\nMashq: "+no+"\nKonteyner: CSQU3054383", "uz")
		for _, p := range problems {
			if p.ID == "alert_err_yes_no" {
				t.Errorf("Mashq: %s: %s", no, alerttext.ProblemMessage(tr, "en", p))
			}
		}
		if c.Drill {
			t.Errorf("Mashq: %s read as yes", no)
		}
	}
	c, _ := alert.ParseForm(tr, "Tasnif: Shoshilinch ogohlantirish\nMashq: ha\nKonteyner: CSQU3054383", "uz")
	if !c.Drill {
		t.Error("Mashq: ha not read as yes")
	}
}
