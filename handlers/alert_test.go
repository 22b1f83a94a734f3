package handlers_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// network is the cast of the alert tests: CARICC analysts, two Kazakh focal points (one
// writing Kazakh, one Russian), readers in Uzbekistan and Afghanistan reading Uzbek, Pashto,
// English and Russian, and a Pakistani focal point outside the route.
type network struct {
	t  *testing.T
	h  *bottest.Harness
	tr *i18n.Bundle

	members map[int64]store.Member
	users   map[int64]*bottest.Person
}

const (
	analystEN = 7101
	analystRU = 7102
	kazakhFP  = 7201 // writes Kazakh (kk)
	kazakhRU  = 7202 // writes Russian
	uzbekFP   = 7301 // reads Uzbek (uz)
	afghanFP  = 7302 // reads Pashto (ps)
	englishFP = 7303 // Uzbekistan, reads English
	russianFP = 7304 // Uzbekistan, reads Russian; suspended later
	pakFP     = 7401 // Pakistan: not on the route
)

func newNetwork(t *testing.T) *network {
	h := bottest.Start(t, handlers.Register)
	n := &network{t: t, h: h, tr: h.App().I18n, members: map[int64]store.Member{}, users: map[int64]*bottest.Person{}}
	add := func(id int64, name, role, country, lang string) {
		m := store.Member{TelegramUserID: id, DisplayName: name, Role: role, Agency: "customs", Language: lang,
			State: store.StateActive}
		if country != "" {
			m.Country = &country
		} else {
			m.Agency = "caricc"
		}
		var err error
		if m.ID, err = store.InsertMember(context.Background(), h.Store.DB, m); err != nil {
			t.Fatal(err)
		}
		m.ChatID = id
		n.members[id] = m
		n.users[id] = h.Person(id, name, lang)
	}
	add(analystEN, "Aliya", store.RoleAnalyst, "", "en")
	add(analystRU, "Boris", store.RoleAnalyst, "", "ru")
	add(kazakhFP, "Nurlan", store.RoleFocalPoint, "KZ", "kk")
	add(kazakhRU, "Olga", store.RoleFocalPoint, "KZ", "ru")
	add(uzbekFP, "Dilshod", store.RoleFocalPoint, "UZ", "uz")
	add(afghanFP, "Ahmad", store.RoleFocalPoint, "AF", "ps")
	add(englishFP, "John", store.RoleFocalPoint, "UZ", "en")
	add(russianFP, "Vera", store.RoleFocalPoint, "UZ", "ru")
	add(pakFP, "Imran", store.RoleFocalPoint, "PK", "en")
	return n
}

// replyLang is the language answers to a member's own actions come in: their language if we
// have it, else the one matched from Telegram's language_code (as the bot's middleware does).
func (n *network) replyLang(id int64) string {
	m := n.members[id]
	if n.tr.Has(m.Language) {
		return m.Language
	}
	return n.tr.Match(m.Language)
}

// pushLang is the language messages rendered for a member come in: theirs, else English.
func (n *network) pushLang(id int64) string {
	if l := n.members[id].Language; n.tr.Has(l) {
		return l
	}
	return i18n.Default
}

// plain is a message as the reader sees it, in lang: without tags.
func (n *network) plain(lang, id string, data map[string]any) string {
	return telegramtest.StripHTML(n.tr.T(lang, id, data))
}

// wait, waitNew, say, press and waitToast address the driver (bottest.Person) by user ID.
func (n *network) wait(id int64, substr string) telegramtest.Message {
	return n.users[id].WaitText(substr)
}

func (n *network) waitNew(id int64, after int, substr string) telegramtest.Message {
	return n.users[id].WaitAfter(after, substr)
}

func (n *network) count(id int64) int { return len(n.users[id].Messages()) }

func (n *network) say(id int64, text, substr string) telegramtest.Message {
	n.users[id].Say(text)
	return n.users[id].WaitNew(substr)
}

// press presses the button labelled text and waits for an answer containing substr ("" to
// wait for nothing).
func (n *network) press(id int64, text, substr string) telegramtest.Message {
	n.users[id].Click(text)
	if substr == "" {
		return telegramtest.Message{}
	}
	return n.users[id].WaitNew(substr)
}

// pressInPlace presses the button labelled text and waits until the message it is on shows
// substr: an action's panel edited into its outcome (Submit, Publish).
func (n *network) pressInPlace(id int64, text, substr string) telegramtest.Message {
	return n.users[id].ClickInPlace(text, substr)
}

// draft is the stored answers of a member's conversation in progress, as JSON text.
func (n *network) draft(id int64) string {
	n.t.Helper()
	var d string
	if err := n.h.Store.DB.Get(&d, `SELECT data::text FROM conversations WHERE telegram_user_id = $1`, id); err != nil {
		n.t.Fatal(err)
	}
	return d
}

// fromDestinationToReview answers a draft's steps from the destination (Tashkent) to the
// review screen: heroin, no risk indicator, a false wall, no goods, 18 t, no text, no files.
func (n *network) fromDestinationToReview(id int64) {
	n.t.Helper()
	l := n.replyLang(id)
	T := func(msg string) string { return n.plain(l, msg, nil) }
	n.press(id, T("alert_label_destination"), T("alert_label_destination"))
	n.say(id, "UZTAS", "Tashkent (UZTAS)")
	n.press(id, T("alert_btn_done"), T("alert_ask_substance"))
	n.press(id, T("alert_subst_heroin"), T("alert_ask_risks"))
	n.press(id, T("alert_btn_done"), T("alert_ask_concealment"))
	n.press(id, T("alert_conceal_false_wall"), T("alert_ask_goods"))
	n.press(id, T("alert_btn_skip"), T("alert_ask_quantity"))
	n.say(id, "18 t", n.plain(l, "alert_ask_text", map[string]any{"Max": alert.MaxText}))
	n.press(id, T("alert_btn_skip"), n.plain(l, "alert_ask_files", map[string]any{"Max": alert.MaxFiles, "Count": 0}))
	n.press(id, T("alert_btn_done"), T("alert_review_head"))
}

// buttonData finds the callback data of a message's button whose data starts with prefix.
func buttonData(t *testing.T, m telegramtest.Message, prefix string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.CallbackData, prefix) {
			return b.CallbackData
		}
	}
	t.Fatalf("message %q has no button %s…", m.Plain(), prefix)
	return ""
}

// waitToast waits for a toast containing substr after the user's last press.
func (n *network) waitToast(id int64, substr string) { n.users[id].WaitToast(substr) }

var refPattern = regexp.MustCompile(`ALR-\d{4}-\d{6}`)

// The whole life of two alerts: a Kazakh focal point submits one by conversation (with wrong
// check digits, a malformed LOCODE, HTML in the text, too many photos, a restart in the middle
// and a double-tapped Submit), a Russian-speaking one pastes another as a Russian form (with an
// unknown word); analysts approve the first (two at once: one decision stands) and return the
// second; recipients reading Uzbek, Pashto, English and Russian each get a correct rendering;
// acknowledgements, the reminder and the escalation happen on the fake clock; a follow-up is
// published; a cancelled alert's buttons and a suspended member's buttons stop working.
func TestAlertLifecycle(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	h := n.h
	ctx := context.Background()

	// --- Submit by conversation (the Kazakh focal point) ---
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	// A wrong check digit is named; nothing is added.
	n.say(kazakhFP, "CSQU3054384", n.plain(kl, "alert_err_container_check", map[string]any{"Value": "CSQU3054384", "Expected": "3"}))
	n.say(kazakhFP, "CSQU3054383, MSCU1234566", "CSQU3054383")
	n.press(kazakhFP, T("alert_label_imo"), T("alert_label_imo"))
	n.say(kazakhFP, "IMO 9074728", n.plain(kl, "alert_err_imo_check", map[string]any{"Value": "IMO 9074728", "Expected": "9"}))
	n.say(kazakhFP, "IMO 9074729", "IMO 9074729")
	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))
	n.say(kazakhFP, "KZAL1", n.plain(kl, "alert_err_locode", map[string]any{"Value": "KZAL1"}))
	n.say(kazakhFP, "KZALA", "Almaty (KZALA)")
	n.press(kazakhFP, T("alert_label_transit"), T("alert_label_transit"))
	n.say(kazakhFP, "UZ Tashkent", "Tashkent (UZTAS)")
	h.Restart() // the draft lives in the database
	n.press(kazakhFP, T("alert_label_destination"), T("alert_label_destination"))
	n.say(kazakhFP, "AFKBL", "Kabul (AFKBL)")
	n.press(kazakhFP, T("alert_btn_done"), T("alert_ask_substance"))
	n.press(kazakhFP, T("alert_subst_heroin"), T("alert_ask_risks"))
	n.press(kazakhFP, T("alert_risk_xray_anomaly"), "")
	if _, err := n.users[kazakhFP].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		_, ok := ms[len(ms)-1].Button("✅ " + T("alert_risk_xray_anomaly"))
		return ok
	}); err != nil {
		t.Fatal("risk toggle not shown:", err)
	}
	n.press(kazakhFP, T("alert_btn_done"), T("alert_ask_concealment"))
	n.press(kazakhFP, T("alert_conceal_false_wall"), T("alert_ask_goods"))
	n.say(kazakhFP, "Fertilizer, HS 3102", T("alert_ask_quantity"))
	n.say(kazakhFP, "20 t, 800 bags", n.plain(kl, "alert_ask_text", map[string]any{"Max": alert.MaxText}))
	// Longer than the description may be: refused with its length, not cut.
	n.say(kazakhFP, strings.Repeat("ж", alert.MaxText+1),
		n.plain(kl, "alert_err_too_long", map[string]any{"Max": alert.MaxText, "Length": alert.MaxText + 1}))
	const kazakhText = "Контейнер маршруттан ауытқыды <script>alert(1)</script> & тексеріңіз"
	n.say(kazakhFP, kazakhText, n.plain(kl, "alert_ask_files", map[string]any{"Max": alert.MaxFiles, "Count": 0}))
	before := n.count(kazakhFP)
	for i := 0; i < alert.MaxFiles+1; i++ {
		n.users[kazakhFP].SendPhoto("photo")
	}
	n.waitNew(kazakhFP, before, n.plain(kl, "alert_err_too_many_files", map[string]any{"Max": alert.MaxFiles}))
	review := n.press(kazakhFP, T("alert_btn_done"), T("alert_review_head"))
	if !strings.Contains(review.Plain(), kazakhText) || !strings.Contains(review.Plain(), "CSQU3054383") {
		t.Fatalf("review lacks the text or identifiers: %q", review.Plain())
	}
	// The author's own files are above, not "sent below".
	if want := n.plain(kl, "alert_render_files", map[string]any{"Count": alert.MaxFiles}); !strings.Contains(review.Plain(), want) ||
		strings.Contains(review.Plain(), n.plain(kl, "alert_render_files", map[string]any{"Count": alert.MaxFiles, "Below": true})) {
		t.Errorf("review does not say %q alone: %q", want, review.Plain())
	}
	// Submit tapped twice: one alert.
	// The review becomes the outcome in place: the second tap, pressed on the review as the
	// phone still showed it, is an old press.
	submit := buttonData(t, review, "ad:submit")
	for i := 0; i < 2; i++ {
		n.users[kazakhFP].PressForged(review.ID, submit) // unchecked: the first may have edited it already
	}
	n.users[kazakhFP].WaitOn(review.ID, "ALR-2026-000001")
	submitted, _ := n.users[kazakhFP].Message(review.ID)
	ref1 := refPattern.FindString(submitted.Plain())
	if ref1 != "ALR-2026-000001" {
		t.Fatalf("reference %q in %q", ref1, submitted.Plain())
	}
	n.waitToast(kazakhFP, T("alert_draft_gone"))
	var alerts int
	if err := h.Store.DB.Get(&alerts, `SELECT count(*) FROM alerts`); err != nil || alerts != 1 {
		t.Fatalf("alerts = %d %v, want 1 after a double tap", alerts, err)
	}

	// --- Submit by pasted Russian form (with an unknown word first) ---
	form := "Классификация: срочное\nТранспортное средство: морской контейнер\nКонтейнер: CSQU3054383\n" +
		"Погрузка: KZ Almaty\nНазначение: UZTAS\nПредполагаемое вещество: сахар\nОписание: Повторная поставка."
	rl := n.replyLang(kazakhRU)
	problems := n.say(kazakhRU, "/alert\n"+form, prefix(n.plain(rl, "alert_form_problems", map[string]any{"Count": 1, "List": ""}), 20))
	if !strings.Contains(problems.Plain(), "сахар") || !strings.Contains(problems.Plain(), n.tr.T(rl, "alert_subst_heroin", nil)) {
		t.Fatalf("the unknown word's answer does not list the accepted words in Russian: %q", problems.Plain())
	}
	n.say(kazakhRU, strings.Replace(form, "сахар", "героин", 1), n.plain(rl, "alert_review_head", nil))
	n.pressInPlace(kazakhRU, n.plain(rl, "alert_btn_submit", nil), "ALR-2026-000002")

	// --- Verify: both analysts get both; the second shows the link to the first ---
	verify := map[int64][]telegramtest.Message{}
	for _, a := range []int64{analystEN, analystRU} {
		lang := n.pushLang(a)
		head := prefix(n.plain(lang, "alert_verify_head", map[string]any{"Author": "", "Revision": 1}), 8)
		m1 := n.wait(a, ref1+" · "+i18n.CountryName(lang, "KZ"))
		if !strings.Contains(m1.Plain(), head) {
			t.Fatalf("analyst %d: %q", a, m1.Plain())
		}
		m2 := n.wait(a, "ALR-2026-000002 · "+i18n.CountryName(lang, "KZ"))
		if !strings.Contains(m2.Plain(), n.plain(lang, "alert_linked", map[string]any{"Ref": ref1, "Country": i18n.CountryName(lang, "KZ"),
			"Date": "2026-03-02", "Identifiers": "CSQU3054383"})) {
			t.Fatalf("analyst %d: no link to %s in %q", a, ref1, m2.Plain())
		}
		verify[a] = []telegramtest.Message{m1, m2}
	}
	// Both open the audience of the first; both press Publish at once.
	var screens []telegramtest.Message
	for _, a := range []int64{analystEN, analystRU} {
		before := n.count(a)
		if _, err := n.users[a].Press(verify[a][0].ID, buttonData(t, verify[a][0], "av:")); err != nil { // Approve comes first
			t.Fatal(err)
		}
		lang := n.pushLang(a)
		screens = append(screens, n.waitNew(a, before, n.plain(lang, "alert_audience_countries", map[string]any{
			"Countries": strings.Join([]string{i18n.CountryName(lang, "AF"), i18n.CountryName(lang, "KZ"), i18n.CountryName(lang, "UZ")}, ", ")})))
	}
	var wg sync.WaitGroup
	counts := map[int64]int{analystEN: n.count(analystEN), analystRU: n.count(analystRU)}
	for i, a := range []int64{analystEN, analystRU} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := n.users[a].Press(screens[i].ID, buttonData(t, screens[i], "apub:")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	published, lost, winner := 0, 0, int64(0)
	for i, a := range []int64{analystEN, analystRU} {
		lang := n.pushLang(a)
		// Six: the route's and the author's countries and CARICC, less the approving analyst
		// (who has read it) and the author.
		pub := n.plain(lang, "alert_published", map[string]any{"Ref": ref1, "Count": 6})
		// The notice up to the decider's name: specific enough not to match the alert itself,
		// which the analysts also receive.
		other, _, _ := strings.Cut(n.plain(lang, "alert_already_decided", map[string]any{"Ref": ref1, "By": "\x00", "Outcome": ""}), "\x00")
		var got string
		// The winner's audience screen becomes its card in place; the loser is told anew.
		if _, err := n.users[a].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
			if m, ok := n.users[a].Message(screens[i].ID); ok && strings.Contains(m.Plain(), pub) {
				got = m.Plain()
				return true
			}
			for _, m := range ms[counts[a]:] {
				if strings.Contains(m.Plain(), other) {
					got = m.Plain()
					return true
				}
			}
			return false
		}); err != nil {
			t.Fatalf("analyst %d: no outcome of Publish: %v", a, err)
		}
		if strings.Contains(got, pub) {
			published++
			winner = a
		} else {
			lost++
			if !strings.Contains(got, "Aliya") && !strings.Contains(got, "Boris") {
				t.Errorf("the losing analyst is not told who decided: %q", got)
			}
		}
	}
	if published != 1 || lost != 1 {
		t.Fatalf("published %d times, refused %d times; want exactly one decision", published, lost)
	}
	// The loser's copy of the alert to verify says who published it, in their language, and
	// offers no decision any more.
	loser := int64(analystEN)
	if winner == analystEN {
		loser = analystRU
	}
	ll := n.pushLang(loser)
	decidedBy, _, _ := strings.Cut(n.plain(ll, "alert_already_decided", map[string]any{"Ref": ref1, "By": "\x00", "Outcome": ""}), "\x00")
	winnerName := map[int64]string{analystEN: "Aliya", analystRU: "Boris"}[winner]
	if _, err := n.users[loser].WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, _ := n.users[loser].Message(verify[loser][0].ID)
		return strings.Contains(m.Plain(), decidedBy) && strings.Contains(m.Plain(), winnerName) &&
			strings.Contains(m.Plain(), n.plain(ll, "alert_state_published", nil)) && strings.Contains(m.Plain(), ref1+" · ") && len(m.Buttons()) == 0
	}); err != nil {
		m, _ := n.users[loser].Message(verify[loser][0].ID)
		t.Fatalf("the other analyst's copy reads %q with %v, want %q and no buttons", m.Plain(), m.Buttons(), decidedBy)
	}
	// Return the second with a reason; the other analyst's Approve then meets the decision.
	before = n.count(analystEN)
	returnData := strings.TrimSuffix(buttonData(t, verify[analystEN][1], "av:"), "a") + "r"
	if _, err := n.users[analystEN].Press(verify[analystEN][1].ID, returnData); err != nil {
		t.Fatal(err)
	}
	n.waitNew(analystEN, before, "Why is ALR-2026-000002 returned?")
	n.say(analystEN, "Add the seal number", "ALR-2026-000002 was returned")
	n.wait(kazakhRU, "Add the seal number")
	// The other analyst's copy says so, in their language, and loses its decisions; an old
	// press of its Approve (a phone that had not caught up) is told who decided.
	ru := n.users[analystRU]
	decided, _, _ := strings.Cut(n.plain(n.pushLang(analystRU), "alert_already_decided", map[string]any{"Ref": "ALR-2026-000002", "By": "\x00", "Outcome": ""}), "\x00")
	if _, err := ru.WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, _ := ru.Message(verify[analystRU][1].ID)
		return strings.Contains(m.Plain(), decided) && strings.Contains(m.Plain(), "Aliya") &&
			strings.Contains(m.Plain(), n.plain(n.pushLang(analystRU), "alert_state_returned", nil)) && len(m.Buttons()) == 0
	}); err != nil {
		m, _ := ru.Message(verify[analystRU][1].ID)
		t.Fatalf("the other analyst's copy does not show the return, or keeps its buttons: %q %v", m.Plain(), m.Buttons())
	}
	before = n.count(analystRU)
	ru.ClickData(verify[analystRU][1].ID, buttonData(t, verify[analystRU][1], "av:"))
	n.waitNew(analystRU, before, "Aliya")

	// --- Publish: each recipient reads it in their language ---
	al, err := store.AlertByRef(ctx, h.Store.DB, ref1)
	if err != nil {
		t.Fatal(err)
	}
	zones := map[int64]string{uzbekFP: "UTC+5", afghanFP: "UTC+4:30", englishFP: "UTC+5"}
	received := map[int64]telegramtest.Message{}
	for _, id := range []int64{uzbekFP, afghanFP, englishFP, kazakhRU, russianFP} {
		lang := n.pushLang(id)
		m := n.wait(id, ref1+" · "+i18n.CountryName(lang, "KZ"))
		p := m.Plain()
		for _, want := range []string{
			"CSQU3054383", "MSCU1234566", "IMO 9074729", "KZALA", // identifiers as typed
			kazakhText, // free text as written (escaped on the wire, shown as typed)
			i18n.LanguageName(lang, "kk"),
			n.plain(lang, "alert_label_container", nil), n.plain(lang, "alert_subst_heroin", nil),
			n.plain(lang, "alert_class_urgent", nil),
		} {
			if !strings.Contains(p, want) {
				t.Errorf("member %d (%s): rendering lacks %q:\n%s", id, lang, want, p)
			}
		}
		if z := zones[id]; z != "" && !strings.Contains(p, z) {
			t.Errorf("member %d: time not in the zone %s: %q", id, z, p)
		}
		if strings.Contains(m.Text, "<script>") {
			t.Errorf("member %d: free text sent as markup", id)
		}
		buttonData(t, m, "aack:")
		buttonData(t, m, "afu:")
		received[id] = m
	}
	for id, want := range map[int64][]string{englishFP: {"Container", "Heroin", "written in Kazakh"},
		kazakhRU: {"Контейнер", "Героин", "казахский"}} {
		for _, w := range want {
			if !strings.Contains(received[id].Plain(), w) {
				t.Errorf("member %d: no %q", id, w)
			}
		}
	}
	n.wait(uzbekFP, n.plain(n.pushLang(uzbekFP), "alert_file_caption", map[string]any{"Ref": ref1, "N": 10, "Of": 10, "Drill": false}))
	h.WaitIdle()
	if len(n.users[pakFP].Messages()) > 0 {
		t.Error("a member outside the audience got the alert")
	}
	decision := n.wait(kazakhFP, n.plain(n.pushLang(kazakhFP), "alert_decision_published", map[string]any{"Ref": ref1, "Count": 6}))

	// --- Acknowledge: a double tap has one effect ---
	ackData := buttonData(t, received[uzbekFP], "aack:")
	for i := 0; i < 2; i++ {
		if _, err := n.users[uzbekFP].Press(received[uzbekFP].ID, ackData); err != nil {
			t.Fatal(err)
		}
	}
	n.waitToast(uzbekFP, n.plain(n.replyLang(uzbekFP), "alert_already_acked", map[string]any{"Ref": ref1}))
	var acked int
	if err := h.Store.DB.Get(&acked, `SELECT count(acked_at) FROM alert_recipients WHERE alert_id = $1`, al.ID); err != nil || acked != 1 {
		t.Fatalf("acknowledgements %d %v, want 1", acked, err)
	}
	// Acknowledged: the message no longer offers Acknowledge (the toast is gone in a second),
	// and Follow up stays.
	if _, err := n.users[uzbekFP].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if m.ID == received[uzbekFP].ID {
				_, ack := m.Button(n.plain(n.pushLang(uzbekFP), "alert_btn_ack", nil))
				_, fu := m.Button(n.plain(n.pushLang(uzbekFP), "alert_btn_followup", nil))
				return !ack && fu
			}
		}
		return false
	}); err != nil {
		t.Errorf("the acknowledged alert still offers Acknowledge, or lost Follow up: %v", err)
	}
	// The author's notice is their card: edited in place to the new count and who is missing.
	n.users[kazakhFP].WaitOn(decision.ID, telegramtest.StripHTML(n.tr.N(kl, "alert_ack_count", 6, map[string]any{"Ref": ref1, "Acked": 1})))
	if status, _ := n.users[kazakhFP].Message(decision.ID); !strings.Contains(status.Plain(), "Ahmad") || strings.Contains(status.Plain(), "Dilshod") {
		t.Errorf("the author's card does not list who is missing: %q", status.Plain())
	}

	// --- Reminder after ALERT_ACK_TIMEOUT, then escalation ---
	h.Advance(29 * time.Minute)
	h.Advance(2 * time.Minute)
	reminder := n.wait(afghanFP, n.plain(n.pushLang(afghanFP), "alert_reminder_head", nil))
	if _, err := n.users[afghanFP].Press(reminder.ID, buttonData(t, reminder, "aack:")); err != nil {
		t.Fatal(err)
	}
	n.waitToast(afghanFP, n.plain(n.replyLang(afghanFP), "alert_acked", map[string]any{"Ref": ref1}))
	var reminders int
	if err := h.Store.DB.Get(&reminders, `SELECT count(*) FROM outbox WHERE kind = 'alert' AND variant = 'reminder'`); err != nil || reminders != 5 {
		t.Fatalf("reminders %d %v, want 5 (everyone silent but the Uzbek reader)", reminders, err)
	}
	h.Advance(31 * time.Minute)
	silent := n.wait(analystEN, "Still unacknowledged")
	if !strings.Contains(silent.Plain(), "John") || strings.Contains(silent.Plain(), "Ahmad") || strings.Contains(silent.Plain(), "Dilshod") {
		t.Errorf("escalation lists the wrong people: %q", silent.Plain())
	}
	h.Advance(time.Hour) // once only
	var notices int
	if err := h.Store.DB.Get(&notices, `SELECT count(*) FROM outbox WHERE kind = 'alert_silent'`); err != nil || notices != 2 {
		t.Fatalf("escalation notices %d %v, want one per analyst", notices, err)
	}

	// --- Follow up: from a recipient to the author and analysts; an analyst publishes it ---
	n.press(afghanFP, n.plain(n.pushLang(afghanFP), "alert_btn_followup", nil), ref1)
	n.say(afghanFP, "Seizure confirmed: 120 kg heroin", ref1)
	n.wait(kazakhFP, "Seizure confirmed: 120 kg heroin")
	fu := n.wait(analystEN, "Seizure confirmed: 120 kg heroin")
	// A Pashto reader writing English: labelled by the script, not as Pashto.
	if !strings.Contains(fu.Plain(), "Ahmad") || !strings.Contains(fu.Plain(), "written in Latin script") {
		t.Errorf("follow-up heading: %q", fu.Plain())
	}
	before = n.count(afghanFP)
	n.users[afghanFP].SendPhoto("the find")
	n.waitNew(afghanFP, before, ref1)
	n.wait(analystEN, "the find")
	before = n.count(analystEN)
	afp := buttonData(t, fu, "afp:")
	if _, err := n.users[analystEN].Press(fu.ID, afp); err != nil {
		t.Fatal(err)
	}
	n.waitNew(analystEN, before, "published to")
	n.wait(englishFP, "Seizure confirmed: 120 kg heroin")
	n.wait(uzbekFP, "Seizure confirmed: 120 kg heroin")
	fuRU := n.wait(analystRU, "Seizure confirmed: 120 kg heroin")
	before = n.count(analystRU)
	// The other analyst's copy may have been rendered before or after the publication (then
	// without the button); an old button pressed late is the same press.
	n.users[analystRU].PressForged(fuRU.ID, afp)
	n.waitNew(analystRU, before, "Aliya")

	// --- A suspended member's old buttons do nothing but the closed-network answer ---
	if _, err := h.Store.DB.Exec(`UPDATE members SET state = 'suspended' WHERE telegram_user_id = $1`, russianFP); err != nil {
		t.Fatal(err)
	}
	before = n.count(russianFP)
	if _, err := n.users[russianFP].Press(received[russianFP].ID, buttonData(t, received[russianFP], "aack:")); err != nil {
		t.Fatal(err)
	}
	n.waitNew(russianFP, before, prefix(n.plain("ru", "closed_network", nil), 40))

	// --- Register and search ---
	n.say(englishFP, "/alerts", ref1)
	n.say(pakFP, "/alerts", n.plain("en", "alerts_none", nil))
	n.say(englishFP, "/find csqu 305438-3", ref1)
	n.say(pakFP, "/find CSQU3054383", "No alert shared with you")
	n.say(pakFP, "/alert "+ref1, n.plain("en", "alert_not_found", nil))
	before = n.count(analystEN)
	view := n.say(analystEN, "/alert "+ref1, "Seizure confirmed")
	n.say(analystEN, "/alert alr-2026-1", "Seizure confirmed") // typed loosely, as over the phone
	if !strings.Contains(view.Plain(), "acknowledged by 2 of 6") {
		t.Errorf("the analyst's view lacks the acknowledgement state: %q", view.Plain())
	}
	// The view says the ten attachments follow: they do.
	if !strings.Contains(view.Plain(), "Attachments: 10, sent below") {
		t.Errorf("the view does not announce the attachments: %q", view.Plain())
	}
	n.waitNew(analystEN, before, n.plain("en", "alert_file_caption", map[string]any{"Ref": ref1, "N": 10, "Of": 10, "Drill": false}))

	// --- Cancel: recipients are told, pointing to the original; its buttons stop working ---
	n.press(analystEN, "❌ Cancel alert", "Type why "+ref1+" is cancelled")
	n.say(analystEN, "Duplicate of a national case", ref1+" is cancelled")
	cancelled := n.wait(englishFP, ref1+" is CANCELLED")
	if !strings.Contains(cancelled.Plain(), "Duplicate of a national case") {
		t.Errorf("cancellation: %q", cancelled.Plain())
	}
	// The cancellation also edits the original copy (#19), which may already have lost its
	// buttons: the presses are sent as a phone that had not refreshed yet would send them.
	before = n.count(englishFP)
	n.users[englishFP].PressForged(received[englishFP].ID, buttonData(t, received[englishFP], "aack:"))
	n.waitNew(englishFP, before, "no longer works")
	before = n.count(englishFP)
	n.users[englishFP].PressForged(received[englishFP].ID, buttonData(t, received[englishFP], "afu:"))
	n.waitNew(englishFP, before, "no longer works")
	var ackedAfter int
	if err := h.Store.DB.Get(&ackedAfter, `SELECT count(acked_at) FROM alert_recipients WHERE alert_id = $1`, al.ID); err != nil || ackedAfter != 2 {
		t.Fatalf("acknowledgements %d %v after the cancellation, want still 2", ackedAfter, err)
	}
	n.wait(kazakhFP, "❌ "+ref1) // the cancellation, in Kazakh
}

// prefix is the first n characters of s (not bytes: the texts are Russian too).
func prefix(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// A drill (exercise) alert is marked as such in every rendering and kept out of the register
// and searches; a returned alert is revised and resubmitted under the same reference; a
// submitted alert withdrawn by its author can no longer be approved; the whole network can be
// chosen as the audience; an over-long follow-up is refused, not cut.
func TestDrillReviseWithdrawAndWholeNetwork(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	form := "Classification: information for attention\nExercise: yes\nConveyance: road vehicle\n" +
		"Vehicle plate: 01 A 123 BC\nLoading: TJ\nDestination: PK Karachi\nDescription: Exercise <b>Steppe-26</b>"
	n.say(englishFP, "/alert\n"+form, "Review your alert")
	n.pressInPlace(englishFP, "📨 Submit to CARICC", "ALR-2026-000001")
	v := n.wait(analystEN, "ALR-2026-000001 · ")
	if !strings.Contains(v.Plain(), "EXERCISE") {
		t.Fatalf("drill not marked for the analyst: %q", v.Plain())
	}
	// Return it; the author revises (adds a plate) and resubmits under the same reference.
	before := n.count(analystEN)
	if _, err := n.users[analystEN].Press(v.ID, strings.TrimSuffix(buttonData(t, v, "av:"), "a")+"r"); err != nil {
		t.Fatal(err)
	}
	n.waitNew(analystEN, before, "returned?")
	n.say(analystEN, "Add the second truck", "was returned")
	n.wait(englishFP, "Add the second truck")
	n.press(englishFP, "✎ Revise and resubmit", "Review your alert")
	n.press(englishFP, "✎ Identifiers", "Identifiers")
	n.press(englishFP, "Vehicle plate", "Vehicle plate")
	n.say(englishFP, "02 B 456 CD", "02 B 456 CD")
	n.press(englishFP, "✔ Done", "Review your alert")
	n.pressInPlace(englishFP, "📨 Submit to CARICC", "ALR-2026-000001")
	v2 := n.waitNew(analystEN, n.count(analystEN)-1, "revision 2")
	if !strings.Contains(v2.Plain(), "02 B 456 CD") {
		t.Fatalf("revision 2 lacks the new plate: %q", v2.Plain())
	}
	// The first revision's buttons no longer decide anything. (Return took them off the
	// message: the press is one a client could still send, forged.)
	before = n.count(analystEN)
	n.users[analystEN].PressForged(v.ID, buttonData(t, v, "av:"))
	n.waitNew(analystEN, before, "replaced by revision 2")
	// Publish revision 2 to the whole network: Pakistan, off the route, gets it too.
	before = n.count(analystEN)
	if _, err := n.users[analystEN].Press(v2.ID, buttonData(t, v2, "av:")); err != nil {
		t.Fatal(err)
	}
	screen := n.waitNew(analystEN, before, "Audience of ALR-2026-000001")
	n.press(analystEN, "🌐 Whole network", "")
	n.wait(analystEN, "the whole network") // the audience screen is edited in place
	n.pressInPlace(analystEN, "📢 Publish to 8", "published to 8 recipients")
	_ = screen
	got := n.wait(pakFP, "ALR-2026-000001 · ")
	if !strings.Contains(got.Plain(), "EXERCISE") || !strings.Contains(got.Plain(), "Exercise <b>Steppe-26</b>") {
		t.Fatalf("drill rendering: %q", got.Plain())
	}
	ru := n.wait(russianFP, "ALR-2026-000001 · ")
	if !strings.Contains(ru.Plain(), "УЧЕНИЯ") {
		t.Fatalf("drill not marked in Russian: %q", ru.Plain())
	}
	// Kept out of the register and searches.
	n.say(pakFP, "/alerts", "No alerts to show yet")
	n.say(analystEN, "/find 02B456CD", "No alert shared with you")
	// A follow-up longer than fits (with its heading, in any language) is refused with its
	// length and the limit.
	n.press(pakFP, "💬 Follow up", "Follow-up to")
	n.say(pakFP, strings.Repeat("x", 4000), "at most 4096 fit")

	// A withdrawn alert cannot be approved; the analyst is told.
	n.say(kazakhRU, "/alert\nКлассификация: сообщение об изъятии\nТранспортное средство: авиагруз\n"+
		"Коносамент (B/L) или AWB: 176-12345675\nОписание: изъято 3 кг", "Проверьте оповещение")
	n.pressInPlace(kazakhRU, "📨 Отправить в ЦАРИКЦ", "ALR-2026-000002")
	w := n.wait(analystEN, "ALR-2026-000002 · ")
	n.press(kazakhRU, "Отозвать", "отозвано")
	// The analyst's copy says so and loses its decisions; an old press of Approve (a phone
	// that had not caught up) is told too.
	an := n.users[analystEN]
	if _, err := an.WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, _ := an.Message(w.ID)
		return strings.Contains(m.Plain(), "ALR-2026-000002 was withdrawn by its author") && strings.Contains(m.Plain(), "ALR-2026-000002 · ") &&
			len(m.Buttons()) == 0
	}); err != nil {
		m, _ := an.Message(w.ID)
		t.Fatalf("the analyst's copy of a withdrawn alert reads %q with %v", m.Plain(), m.Buttons())
	}
	before = n.count(analystEN)
	an.ClickData(w.ID, buttonData(t, w, "av:"))
	n.waitNew(analystEN, before, "withdrawn by its author")
}

// Correcting a draft: a valid but wrong identifier or place can be taken back (the identifiers
// and route steps offer to clear their list once it has something), and the review can go
// back to every answer.
func TestAlertDraftCorrections(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	first := n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	if _, ok := first.Button(T("alert_btn_clear_list")); ok {
		t.Error("an empty list offers to be cleared")
	}
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	listed := n.say(kazakhFP, "CSQU3054383", "CSQU3054383")
	cleared := n.press(kazakhFP, T("alert_btn_clear_list"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	if strings.Contains(cleared.Plain(), "CSQU3054383") {
		t.Errorf("the identifier is still listed: %q", cleared.Plain())
	}
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	// The old list's Clear, pressed late, changes nothing. (The answered question has no
	// buttons left: the press is one a client could still send, forged.)
	if _, ok := listed.Button(T("alert_btn_clear_list")); !ok {
		t.Fatal("the list had no Clear")
	}
	n.users[kazakhFP].PressForged(listed.ID, "ad:iclr")
	n.waitToast(kazakhFP, T("button_stale"))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))
	n.say(kazakhFP, "KZALA", "Almaty (KZALA)")
	cleared = n.press(kazakhFP, T("alert_btn_clear_list"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	if strings.Contains(cleared.Plain(), "KZALA") {
		t.Errorf("the place is still listed: %q", cleared.Plain())
	}
	draft := n.draft(kazakhFP)
	if !strings.Contains(draft, "MSCU1234566") || strings.Contains(draft, "CSQU3054383") || strings.Contains(draft, "KZALA") {
		t.Errorf("draft after clearing: %s", draft)
	}

	// The review can go back to every answer, the quantity and the exercise mark included.
	n.fromDestinationToReview(kazakhFP)
	n.press(kazakhFP, "✎ "+T("alert_label_quantity"), T("alert_ask_quantity"))
	review := n.say(kazakhFP, "20 t", T("alert_review_head"))
	if !strings.Contains(review.Plain(), "20 t") || strings.Contains(review.Plain(), "18 t") {
		t.Errorf("quantity not corrected: %q", review.Plain())
	}
	n.press(kazakhFP, "✎ "+T("alert_label_drill"), T("alert_ask_drill"))
	review = n.press(kazakhFP, T("alert_btn_drill"), T("alert_review_head"))
	if !strings.Contains(review.Plain(), T("alert_render_drill")) {
		t.Errorf("exercise mark not set: %q", review.Plain())
	}
}
