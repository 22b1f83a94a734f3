package request

import (
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/store"
)

// Lengths are checked where they are typed (#13): the text of a request, of a reply or an
// answer, and the reason of a decline are measured as Telegram will measure the message they
// go out in (bot/alert.Fit): with their heading and labels, in UTF-16 code units after the
// entities are decoded, in every language the bot speaks (the message is rendered in each
// recipient's language when it is sent). A text that would not fit is refused at once with its
// length, the limit and how much to cut; nothing accepted is refused by Telegram later.
//
// The heading is taken at its longest: a request to every country of the network and CARICC,
// urgent, about an alert, with the most files, as a copy; a thread message of the longest kind
// (a late reply, an answer, a decline) with the most files. maxBody (3,000) stays the plain
// limit below this one.

// fitsRendered refuses text (the whole body so far) when the message it goes out in could
// exceed Telegram's limit in some language.
func fitsRendered(r *bot.Request, text string) error {
	n, ok := renderedLength(r.App, r.Conv != nil && r.Conv.Flow == askFlow, r.Member, r.Lang, text)
	if ok {
		return nil
	}
	return bot.Tell("text_too_long_rendered", map[string]any{"Length": n, "Max": alert.MaxMessage, "Over": n - alert.MaxMessage})
}

// renderedLength is the longest the message carrying text will be, and whether it fits: a
// request's (request) or a reply's, answer's or decline's, written by from in writtenLang.
func renderedLength(a *bot.App, request bool, from *store.Member, writtenLang, text string) (int, bool) {
	return alert.Fit(a.I18n.Languages(), alert.MaxMessage, func(lang string) string {
		if request {
			return longestRequest(a, lang, from, writtenLang, text)
		}
		return longestThreadMessage(a, lang, from, writtenLang, text)
	})
}

// longestRefs stand for references not known yet, as long as any is likely to be.
const longestRFIRef = "RFI-0000-0000000"

var longestAlertRef = alert.DraftRef

// longestRequest is a request as renderRequest makes it, with every part of its heading at its
// longest.
func longestRequest(a *bot.App, lang string, from *store.Member, writtenLang, text string) string {
	sum := summaryText(a, lang, summaryData{Ref: longestRFIRef, Urgency: store.RFIUrgent, From: from,
		Countries: store.NetworkCountries, CARICC: true, ReplyBy: time.Date(2099, 12, 31, 23, 59, 0, 0, time.UTC),
		AlertRef: &longestAlertRef, Files: maxFiles})
	return a.I18n.T(lang, "rfi_copy_note", nil) + "\n" + sum + "\n\n" +
		a.I18n.T(lang, "rfi_body", map[string]any{"Body": body(a, lang, writtenLang, text)})
}

// longestThreadMessage is a reply, answer or decline as renderMessage makes it, of the kind
// whose heading is longest in lang, with the most files.
func longestThreadMessage(a *bot.App, lang string, from *store.Member, writtenLang, text string) string {
	var longest string
	n := -1
	for _, id := range []string{"rfi_msg_reply", "rfi_msg_reply_late", "rfi_msg_answer", "rfi_msg_decline"} {
		s := a.I18n.T(lang, id, map[string]any{"Ref": longestRFIRef, "Who": who(a, lang, from), "Body": body(a, lang, writtenLang, text)}) +
			"\n" + a.I18n.N(lang, "rfi_files_follow", maxFiles, nil)
		if l := alert.TelegramLen(s); l > n {
			longest, n = s, l
		}
	}
	return longest
}
