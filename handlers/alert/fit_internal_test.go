package alert

import (
	"math/rand/v2"
	"strings"
	"testing"

	"focalbot/bot"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/locales"
)

// fitPieces are what the texts are made of: ASCII, emoji (two UTF-16 units, some with
// modifiers and joiners), combining marks, right-to-left scripts, and the characters HTML
// escapes (each one unit to Telegram, five in our HTML).
var fitPieces = []string{"a", "Heroin 120 kg. ", "😀", "👨‍👩‍👧", "👍🏽", "e\u0301", "\u0651", "ا", "سلام ", "עברית ",
	"<", ">", "&", "\"", "'", "Ω", "𝔘", " ", "\n", "ё", "ქ"}

func fitApp(t testing.TB) *bot.App {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return &bot.App{I18n: b}
}

func fitAlert() (*store.Alert, *store.Member) {
	kz := "KZ"
	return &store.Alert{ID: 1, Ref: "ALR-2026-000123", Drill: true},
		&store.Member{ID: 7, DisplayName: "Aigerim Nurlanovna Sultanbekova-Abdrakhmanova", Country: &kz}
}

// checkFit: a text accepted by followupLength renders, in every language, within the limit as
// the emulator (Telegram's rules, implemented apart) counts it; a text refused is over it in
// at least one language.
func checkFit(t *testing.T, a *bot.App, kind, text string, caption bool) {
	t.Helper()
	al, writer := fitAlert()
	n, limit, ok := followupLength(a, al, writer, "ps", kind, text, caption)
	longest := 0
	for _, lang := range a.I18n.Languages() {
		got, err := telegramtest.HTMLTextLen(followupText(a, lang, kind, al, writer, "ps", text))
		if err != nil {
			t.Fatalf("%s in %s: Telegram would refuse the HTML: %v", kind, lang, err)
		}
		longest = max(longest, got)
		if ok && got > limit {
			t.Fatalf("%s accepted at %d units, but renders at %d in %s (limit %d)", kind, n, got, lang, limit)
		}
	}
	if !ok && longest <= limit {
		t.Fatalf("%s refused at %d units, but renders within %d in every language (longest %d)", kind, n, limit, longest)
	}
}

// Texts built piece by piece up to and past the limit, for each kind and for captions: every
// text accepted fits in all thirteen languages, and the first refused does not.
func TestFollowupTextsFitWhereAccepted(t *testing.T) {
	a := fitApp(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kind := range []string{"followup", "update", "cancel"} {
		for _, caption := range []bool{false, true} {
			for range 3 {
				al, writer := fitAlert()
				fits := func(s string) bool {
					_, _, ok := followupLength(a, al, writer, "ps", kind, s, caption)
					return ok
				}
				grow := func(text string, pieces int) string {
					var b strings.Builder
					b.WriteString(text)
					for range pieces {
						b.WriteString(fitPieces[rng.IntN(len(fitPieces))])
					}
					return b.String()
				}
				// Fifty pieces at a time while it fits, then one at a time past the limit.
				text := ""
				for next := grow(text, 50); fits(next); next = grow(text, 50) {
					text = next
				}
				for {
					text = grow(text, 1)
					checkFit(t, a, kind, text, caption)
					if !fits(text) {
						break
					}
				}
			}
		}
	}
}

func FuzzFollowupTextFits(f *testing.F) {
	for _, s := range []string{"seizure confirmed", strings.Repeat("😀", 1990), strings.Repeat("<&>", 1300),
		strings.Repeat("e\u0301", 2000), strings.Repeat("سلام ", 800)} {
		f.Add(s, false)
	}
	a := fitApp(f)
	f.Fuzz(func(t *testing.T, text string, caption bool) {
		if !strings.ContainsRune(text, 0) && strings.ToValidUTF8(text, "") == text {
			checkFit(t, a, "cancel", text, caption)
		}
	})
}
