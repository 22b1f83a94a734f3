package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
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
	n.pressInPlace(author, n.plain(lang, "alert_btn_submit", nil), ref)
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
	if _, err := n.users[analystRU].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
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

// publishDefault has the analyst approve a verify message and publish it to the default
// audience (the route's countries and the author's).
func (n *network) publishDefault(analyst int64, v telegramtest.Message, ref string) {
	n.t.Helper()
	before := n.count(analyst)
	if _, err := n.users[analyst].Press(v.ID, buttonData(n.t, v, "av:")); err != nil {
		n.t.Fatal(err)
	}
	lang := n.pushLang(analyst)
	screen := n.waitNew(analyst, before, prefix(n.plain(lang, "alert_audience", map[string]any{"Ref": ref}), 10))
	n.users[analyst].PressInPlace(screen.ID, buttonData(n.t, screen, "apub:"), publishedPrefix(n, lang, ref))
}

// publishedPrefix is the analyst's card of a published alert up to its count of recipients:
// what the audience screen shows once Publish was pressed on it.
func publishedPrefix(n *network, lang, ref string) string {
	p, _, _ := strings.Cut(n.plain(lang, "alert_published", map[string]any{"Ref": ref, "Count": "\x00"}), "\x00")
	return p
}

// /alerts and /find list alerts with a button each that opens the alert as /alert REF does;
// a forged press on an alert not shared with the presser gets the not-found answer.
func TestAlertListsOpenButtons(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	const ref = "ALR-2026-000001"
	v := n.submitPasted(englishFP, analystEN, roadForm, ref)
	n.publishDefault(analystEN, v, ref)
	n.wait(pakFP, ref+" · ") // Pakistan is on the route

	list := n.say(pakFP, "/alerts", ref)
	if _, ok := list.Button(ref); !ok {
		t.Fatalf("/alerts has no button %s: %v", ref, list.Buttons())
	}
	opened := n.press(pakFP, ref, "Hidden compartment")
	if _, ok := opened.Button("✅ Acknowledge"); !ok {
		t.Errorf("the opened alert lacks the recipient's buttons: %v", opened.Buttons())
	}
	found := n.say(pakFP, "/find 01A123BC", ref)
	if _, ok := found.Button(ref); !ok {
		t.Fatalf("/find has no button %s: %v", ref, found.Buttons())
	}
	n.press(pakFP, ref, "Hidden compartment")

	// Kazakhstan is not in the audience (the author is in Uzbekistan): a forged press shows nothing of it.
	data := buttonData(t, list, "aopen:")
	notFound := n.plain("ru", "alert_not_found", nil)
	for _, forged := range []string{data, "aopen:999999", "aopen:x"} {
		before := n.count(kazakhRU)
		n.users[kazakhRU].PressForged(list.ID, forged)
		got := n.waitNew(kazakhRU, before, notFound)
		if strings.Contains(got.Plain(), "Hidden compartment") {
			t.Errorf("%s showed the alert: %q", forged, got.Plain())
		}
	}
	for _, m := range n.users[kazakhRU].Messages() {
		if strings.Contains(m.Plain(), ref) {
			t.Errorf("an outsider to the alert saw %q", m.Plain())
		}
	}
}

// The analyst's free-text prompts (reason of a return or rejection, text of an update or
// cancellation) have a Cancel button that ends the prompt and leaves the alert as it was; a
// second press of an old prompt's Cancel changes nothing.
func TestAnalystPromptsCancel(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	const ref = "ALR-2026-000001"
	v := n.submitPasted(englishFP, analystEN, roadForm, ref)
	T := func(id string) string { return n.plain("en", id, nil) }
	state := func() string {
		var s string
		if err := n.h.Store.DB.Get(&s, `SELECT state FROM alerts WHERE ref = $1`, ref); err != nil {
			t.Fatal(err)
		}
		return s
	}
	cancelled := n.plain("en", "alert_prompt_cancelled", map[string]any{"Ref": ref})
	for _, b := range []string{T("alert_btn_return"), T("alert_btn_reject")} {
		before := n.count(analystEN)
		decision := map[string]string{T("alert_btn_return"): "r", T("alert_btn_reject"): "x"}[b]
		if _, err := n.users[analystEN].Press(v.ID, strings.TrimSuffix(buttonData(t, v, "av:"), "a")+decision); err != nil {
			t.Fatal(err)
		}
		ask := n.waitNew(analystEN, before, n.plain("en", map[string]string{
			T("alert_btn_return"): "alert_ask_reason_returned", T("alert_btn_reject"): "alert_ask_reason_rejected"}[b], map[string]any{"Ref": ref}))
		if _, ok := ask.Button(T("alert_btn_cancel")); !ok {
			t.Fatalf("prompt %q has no Cancel: %v", ask.Plain(), ask.Buttons())
		}
		n.press(analystEN, T("alert_btn_cancel"), cancelled)
		if s := state(); s != "submitted" {
			t.Fatalf("after cancelling %q the alert is %s", b, s)
		}
	}
	// Text typed after the cancel is no reason: the alert is still submitted.
	n.say(analystEN, "Typed after cancelling", "")
	if s := state(); s != "submitted" {
		t.Fatalf("text after Cancel decided the alert: %s", s)
	}
	n.publishDefault(analystEN, v, ref)
	// The analyst's copy of the published alert, with Update and Cancel, comes through the
	// outbox: wait for it before pressing.
	if _, err := n.users[analystEN].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if _, ok := m.Button(T("alert_btn_update")); ok {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no published copy with Update: %v", err)
	}
	var ask telegramtest.Message
	for b, asked := range map[string]string{T("alert_btn_update"): "alert_ask_update", T("alert_btn_cancel_alert"): "alert_ask_cancel"} {
		ask = n.press(analystEN, b, n.plain("en", asked, map[string]any{"Ref": ref}))
		if _, ok := ask.Button(T("alert_btn_cancel")); !ok {
			t.Fatalf("prompt %q has no Cancel: %v", ask.Plain(), ask.Buttons())
		}
		n.press(analystEN, T("alert_btn_cancel"), cancelled)
		if s := state(); s != "published" {
			t.Fatalf("after cancelling %q the alert is %s", b, s)
		}
	}
	// The old prompt's Cancel, pressed again, finds nothing to end. (The prompt lost its
	// buttons when cancelled: the press is one a client could still send, forged.)
	n.users[analystEN].ClickData(ask.ID, buttonData(t, ask, "apx:"))
	n.waitToast(analystEN, T("button_stale"))
	var followups int
	if err := n.h.Store.DB.Get(&followups, `SELECT count(*) FROM alert_followups`); err != nil {
		t.Fatal(err)
	}
	if followups != 0 {
		t.Errorf("%d follow-ups after cancelled prompts", followups)
	}
}

// The reason of a return or rejection reaches the author labelled with the language the
// analyst wrote it in, like other free text.
func TestDecisionReasonLabelledWithLanguage(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	v := n.submitPasted(englishFP, analystRU, roadForm, "ALR-2026-000001")
	before := n.count(analystRU)
	if _, err := n.users[analystRU].Press(v.ID, strings.TrimSuffix(buttonData(t, v, "av:"), "a")+"r"); err != nil {
		t.Fatal(err)
	}
	n.waitNew(analystRU, before, "ALR-2026-000001")
	const reason = "Укажите второй грузовик"
	n.say(analystRU, reason, n.plain("ru", "alert_decided_returned", map[string]any{"Ref": "ALR-2026-000001"}))
	want := n.plain("en", "alert_decision_returned", map[string]any{"Ref": "ALR-2026-000001",
		"Lang": i18n.LanguageName("en", "ru"), "Reason": reason})
	got := n.wait(englishFP, reason)
	if got.Plain() != want || !strings.Contains(got.Plain(), i18n.LanguageName("en", "ru")) {
		t.Errorf("author got %q, want %q", got.Plain(), want)
	}

}

// A rejection reaches its author (its notice has no button, and was once sent with a null
// keyboard that Telegram refuses), with the reason labelled with the analyst's language.
func TestRejectionReachesAuthor(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	v := n.submitPasted(kazakhRU, analystEN, "Classification: urgent alert\nConveyance: air cargo\n"+
		"B/L or AWB: 176-12345675\nDescription: 3 kg", "ALR-2026-000001")
	before := n.count(analystEN)
	if _, err := n.users[analystEN].Press(v.ID, strings.TrimSuffix(buttonData(t, v, "av:"), "a")+"x"); err != nil {
		t.Fatal(err)
	}
	n.waitNew(analystEN, before, "rejected?")
	n.say(analystEN, "Duplicate of a seizure report", "was rejected")
	got := n.wait(kazakhRU, "Duplicate of a seizure report")
	if want := n.plain("ru", "alert_decision_rejected", map[string]any{"Ref": "ALR-2026-000001",
		"Lang": i18n.LanguageName("ru", "en"), "Reason": "Duplicate of a seizure report"}); got.Plain() != want {
		t.Errorf("author got %q, want %q", got.Plain(), want)
	}
}

// A caption sent with a photo in the draft's attachment step is kept: the recipients read it
// under the file's heading, escaped and labelled with the author's language; one too long
// for a caption is refused with its length, not cut.
func TestAttachmentCaptionKept(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	rl := n.replyLang(kazakhRU)
	n.say(kazakhRU, "/alert\nКлассификация: срочное\nТранспортное средство: авиагруз\n"+
		"Коносамент (B/L) или AWB: 176-12345675\nОписание: изъято 3 кг", n.plain(rl, "alert_review_head", nil))
	n.press(kazakhRU, n.plain(rl, "alert_btn_edit_files", nil), prefix(n.plain(rl, "alert_ask_files", map[string]any{"Max": alert.MaxFiles}), 10))
	before := n.count(kazakhRU)
	// 1,000 letters fit Telegram's 1,024 for a caption by themselves, not under the heading.
	n.users[kazakhRU].SendPhoto(strings.Repeat("я", 1000))
	refused, _, _ := strings.Cut(n.plain(rl, "text_too_long_rendered", map[string]any{"Length": 1, "Max": 1024, "Over": 1}), "1")
	n.waitNew(kazakhRU, before, refused)
	const caption = "Тайник в двойном дне <b>чемодана</b> & ручке"
	before = n.count(kazakhRU)
	n.users[kazakhRU].SendPhoto(caption)
	n.waitNew(kazakhRU, before, n.plain(rl, "alert_file_added", map[string]any{"Count": 1, "Max": alert.MaxFiles}))
	n.press(kazakhRU, n.plain(rl, "alert_btn_done", nil), n.plain(rl, "alert_review_head", nil))
	n.pressInPlace(kazakhRU, n.plain(rl, "alert_btn_submit", nil), "ALR-2026-000001")

	file := n.wait(analystEN, "ALR-2026-000001 · attachment 1/1")
	want := n.plain("en", "alert_file_caption", map[string]any{"Ref": "ALR-2026-000001", "N": 1, "Of": 1}) + "\n" +
		n.plain("en", "alert_file_caption_text", map[string]any{"Lang": i18n.LanguageName("en", "ru")}) + "\n" + caption
	if file.Plain() != want {
		t.Errorf("analyst's file caption %q, want %q", file.Plain(), want)
	}
}

// A pasted alert may name fields the way officers naturally do, besides the template's
// labels: "Номер транспортного средства" for the plate, "Plate", "Containers".
func TestPastedFormLabelSynonyms(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	rl := n.replyLang(kazakhRU)
	review := n.say(kazakhRU, "/alert\nКлассификация: срочное\nТранспортное средство: автотранспорт\n"+
		"Номер транспортного средства: 01 A 123 BC\nКонтейнеры: CSQU3054383\nКоносамент: 176-12345675",
		n.plain(rl, "alert_review_head", nil))
	for _, want := range []string{n.plain(rl, "alert_label_plate", nil) + ": 01 A 123 BC",
		n.plain(rl, "alert_label_container", nil) + ": CSQU3054383", n.plain(rl, "alert_label_bl", nil) + ": 176-12345675"} {
		if !strings.Contains(review.Plain(), want) {
			t.Errorf("review lacks %q: %q", want, review.Plain())
		}
	}
	review = n.say(englishFP, "/alert\nClassification: urgent alert\nConveyance: road vehicle\n"+
		"Plate: 02 B 456 CD\nContainers: MSCU1234566, CSQU3054383", "Review your alert")
	for _, want := range []string{"Vehicle plate: 02 B 456 CD", "Container: MSCU1234566, CSQU3054383"} {
		if !strings.Contains(review.Plain(), want) {
			t.Errorf("review lacks %q: %q", want, review.Plain())
		}
	}
}

// Photos picked together (an album) get one answer, not one each, and all are kept.
func TestAlbumAnsweredOnce(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	rl := n.replyLang(kazakhRU)
	n.say(kazakhRU, "/alert\nКлассификация: срочное\nТранспортное средство: авиагруз\n"+
		"Коносамент (B/L) или AWB: 176-12345675\nОписание: изъято 3 кг", n.plain(rl, "alert_review_head", nil))
	n.press(kazakhRU, n.plain(rl, "alert_btn_edit_files", nil), prefix(n.plain(rl, "alert_ask_files", map[string]any{"Max": alert.MaxFiles}), 10))
	before := n.count(kazakhRU)
	n.users[kazakhRU].SendAlbum(4, "")
	n.waitNew(kazakhRU, before, n.plain(rl, "alert_file_added", map[string]any{"Count": 1, "Max": alert.MaxFiles}))
	n.users[kazakhRU].SendPhoto("") // a photo on its own afterwards is answered again
	n.waitNew(kazakhRU, before, n.plain(rl, "alert_file_added", map[string]any{"Count": 5, "Max": alert.MaxFiles}))
	if got := n.count(kazakhRU) - before; got != 2 {
		t.Errorf("%d answers to an album of 4 and one photo, want 2", got)
	}
	n.press(kazakhRU, n.plain(rl, "alert_btn_done", nil), n.plain(rl, "alert_review_head", nil))
	n.pressInPlace(kazakhRU, n.plain(rl, "alert_btn_submit", nil), "ALR-2026-000001")
	n.wait(analystEN, "ALR-2026-000001 · attachment 5/5")
}

// A cancellation text that fits Telegram's 4096 by itself (2,904 ASCII + 596 emoji: 4,096
// UTF-16 units) but not under the cancellation's heading is refused when typed, with its
// length and the limit; the alert stays published and nothing is queued. A shorter one goes.
func TestCancelTextTooLongRefusedWhenTyped(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	const ref = "ALR-2026-000001"
	v := n.submitPasted(englishFP, analystEN, roadForm, ref)
	T := func(id string) string { return n.plain("en", id, nil) }
	n.publishDefault(analystEN, v, ref)
	if _, err := n.users[analystEN].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if _, ok := m.Button(T("alert_btn_cancel_alert")); ok {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no published copy with Cancel: %v", err)
	}
	n.press(analystEN, T("alert_btn_cancel_alert"), n.plain("en", "alert_ask_cancel", map[string]any{"Ref": ref}))
	var outboxBefore int
	if err := n.h.Store.DB.Get(&outboxBefore, `SELECT count(*) FROM outbox`); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 2904) + strings.Repeat("😀", 596)
	head, _, _ := strings.Cut(n.plain("en", "text_too_long_rendered", map[string]any{"Length": 1, "Max": 4096, "Over": 1}), "1")
	refused := n.say(analystEN, long, head)
	var length, limit, over int
	text := strings.TrimPrefix(refused.Plain(), head)
	if _, err := fmt.Sscanf(text, "%d", &length); err != nil || length <= 4096 {
		t.Fatalf("refusal %q gives no length over 4096 (%v)", refused.Plain(), err)
	}
	limit, over = 4096, length-4096
	if want := n.plain("en", "text_too_long_rendered", map[string]any{"Length": length, "Max": limit, "Over": over}); refused.Plain() != want {
		t.Fatalf("refusal %q, want %q", refused.Plain(), want)
	}
	var state string
	var outboxAfter int
	if err := n.h.Store.DB.Get(&state, `SELECT state FROM alerts WHERE ref = $1`, ref); err != nil || state != "published" {
		t.Fatalf("alert %s (%v) after the refused cancellation, want published", state, err)
	}
	if err := n.h.Store.DB.Get(&outboxAfter, `SELECT count(*) FROM outbox`); err != nil || outboxAfter != outboxBefore {
		t.Fatalf("outbox rows %d → %d (%v): something was queued", outboxBefore, outboxAfter, err)
	}
	// Shortened by what it was told, it goes.
	// The answer up to its count ("ALR-… is cancelled"): the reference alone also matches the
	// edits of the alert's copies that the cancellation queues (#19), which may come first.
	cancelled, _, _ := strings.Cut(n.plain("en", "alert_amended_cancel", map[string]any{"Ref": ref, "Count": 0}), ";")
	n.say(analystEN, strings.Repeat("x", 2904-over)+strings.Repeat("😀", 596), cancelled)
	if err := n.h.Store.DB.Get(&state, `SELECT state FROM alerts WHERE ref = $1`, ref); err != nil || state != "cancelled" {
		t.Fatalf("alert %s (%v) after a cancellation that fits, want cancelled", state, err)
	}
}
