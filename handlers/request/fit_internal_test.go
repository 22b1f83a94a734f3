package request

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/locales"
)

// Pieces of texts: ASCII, emoji (two UTF-16 units, some joined), combining marks, right-to-left
// scripts and the characters HTML escapes (one unit to Telegram, several in our HTML).
var fitPieces = []string{"a", "Heroin 120 kg. ", "😀", "👨‍👩‍👧", "👍🏽", "e\u0301", "\u0651", "ا", "سلام ", "<", ">", "&", "\"", "'", "𝔘", " ", "\n", "ё", "ქ"}

// Texts built piece by piece up to and past Telegram's limit, for requests and thread messages:
// every text accepted renders within 4,096 units (as the emulator counts, apart from our code)
// in every language, in the longest heading a real message gets; every text within maxBody is
// accepted (the plain limit leaves room for any heading), so this check is the guarantee behind
// maxBody; a text refused is over the limit with the longest heading.
func TestRFITextsFitWhereAccepted(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	a := &bot.App{I18n: b}
	kz := "KZ"
	from := &store.Member{ID: 7, DisplayName: "Aigerim Nurlanovna Sultanbekova-Abdrakhmanova", Country: &kz, Agency: "Agency for Financial Monitoring", Unit: "Department of Investigations"}
	alertRef := "ALR-2026-000123"
	real := func(request bool, lang, text string) string {
		if !request {
			return a.I18n.T(lang, "rfi_msg_reply_late", map[string]any{"Ref": "RFI-2026-000123", "Who": who(a, lang, from), "Body": body(a, lang, "ps", text)}) +
				"\n" + a.I18n.N(lang, "rfi_files_follow", maxFiles, nil)
		}
		sum := summaryText(a, lang, summaryData{Ref: "RFI-2026-000123", Urgency: store.RFIUrgent, From: from,
			Countries: store.NetworkCountries, CARICC: true, ReplyBy: time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), AlertRef: &alertRef, Files: maxFiles})
		return a.I18n.T(lang, "rfi_copy_note", nil) + "\n" + sum + "\n\n" + a.I18n.T(lang, "rfi_body", map[string]any{"Body": body(a, lang, "ps", text)})
	}
	rng := rand.New(rand.NewPCG(13, 19))
	for _, request := range []bool{true, false} {
		for range 3 {
			var sb strings.Builder
			for {
				text := sb.String()
				n, ok := renderedLength(a, request, from, "ps", text)
				if !ok && alert.UTF16Len(text) <= maxBody {
					t.Fatalf("request %v: a text of %d units (within maxBody) refused at %d", request, alert.UTF16Len(text), n)
				}
				longest := 0
				for _, lang := range a.I18n.Languages() {
					got, err := telegramtest.HTMLTextLen(real(request, lang, text))
					if err != nil {
						t.Fatalf("Telegram would refuse the HTML in %s: %v", lang, err)
					}
					longest = max(longest, got)
					if ok && got > alert.MaxMessage {
						t.Fatalf("request %v: accepted at %d, renders at %d in %s", request, n, got, lang)
					}
				}
				if !ok {
					if n <= alert.MaxMessage {
						t.Fatalf("request %v: refused at %d, within the limit", request, n)
					}
					break
				}
				for range 40 {
					sb.WriteString(fitPieces[rng.IntN(len(fitPieces))])
				}
			}
		}
	}
}
