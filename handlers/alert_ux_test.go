package handlers_test

import (
	"strings"
	"testing"

	"focalbot/bot/i18n"
	"focalbot/bot/telegramtest"
)

// Regression tests of the alert screens found wanting in QA: each one failed before its fix.

// roadForm is an English pasted alert from Tajikistan to Pakistan.
const roadForm = "Classification: urgent alert\nConveyance: road vehicle\n" +
	"Vehicle plate: 01 A 123 BC\nLoading: TJ\nDestination: PK Karachi\nDescription: Hidden compartment"

// submitPasted has author paste form and submit it; it returns the verify message the
// analyst gets.
func (n *network) submitPasted(author, analyst int64, form, ref string) telegramtest.Message {
	n.t.Helper()
	lang := n.replyLang(author)
	n.say(author, "/alert\n"+form, n.plain(lang, "alert_review_head", nil))
	n.press(author, n.plain(lang, "alert_btn_submit", nil), ref)
	return n.wait(analyst, ref+" · ")
}

// The audience screen names the countries in the analyst's language; the codes stay in the
// callback data only.
func TestAudienceScreenNamesCountries(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	v := n.submitPasted(englishFP, analystRU, roadForm, "ALR-2026-000001")
	before := n.count(analystRU)
	if _, err := n.users[analystRU].Press(v.ID, buttonData(t, v, "av:")); err != nil {
		t.Fatal(err)
	}
	screen := n.waitNew(analystRU, before, "ALR-2026-000001")
	for _, cc := range []string{"AF", "AZ", "GE", "KZ", "KG", "PK", "TJ", "TM", "UA", "UZ"} {
		name := i18n.CountryName("ru", cc)
		var found bool
		for _, b := range screen.Buttons() {
			if b.Text == cc || strings.HasSuffix(b.Text, " "+cc) {
				t.Errorf("button shows the code %q", b.Text)
			}
			if strings.TrimPrefix(b.Text, "✅ ") == name {
				found = true
				if !strings.HasPrefix(b.CallbackData, "aaud:") || strings.Contains(b.CallbackData, name) {
					t.Errorf("button %q has data %q", b.Text, b.CallbackData)
				}
			}
		}
		if !found {
			t.Errorf("no button named %q in %v", name, screen.Buttons())
		}
	}
	// Tajikistan (loading) and Pakistan (destination) are ticked by default; Georgia is not.
	for _, want := range []string{"✅ " + i18n.CountryName("ru", "TJ"), "✅ " + i18n.CountryName("ru", "PK"), i18n.CountryName("ru", "GE")} {
		if _, ok := screen.Button(want); !ok {
			t.Errorf("no button %q", want)
		}
	}
	// Tapping a name toggles that country.
	n.press(analystRU, i18n.CountryName("ru", "GE"), "")
	if _, err := n.users[analystRU].WaitFor(wait, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if _, ok := m.Button("✅ " + i18n.CountryName("ru", "GE")); ok && strings.Contains(m.Plain(), i18n.CountryName("ru", "GE")) {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal("Georgia not added by its name's button:", err)
	}
}
