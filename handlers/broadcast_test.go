package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// netPerson is a member seeded for a test.
type netPerson struct {
	tgID    int64
	name    string
	lang    string // members.language; "" leaves it unchosen
	role    string
	country string // "" for none
	agency  string
}

// netSeed inserts active members and returns their member IDs by Telegram ID.
func netSeed(t *testing.T, h *bottest.Harness, people ...netPerson) map[int64]int64 {
	t.Helper()
	ids := map[int64]int64{}
	for _, p := range people {
		m := store.Member{TelegramUserID: p.tgID, DisplayName: p.name, Role: p.role, Language: p.lang,
			Agency: p.agency, State: store.StateActive}
		if m.Agency == "" {
			m.Agency = "customs"
		}
		if p.country != "" {
			c := p.country
			m.Country = &c
		}
		id, err := store.InsertMember(context.Background(), h.Store.DB, m)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.tgID] = id
	}
	return ids
}

// netEventually waits until cond holds (a wait for the bot to get there, not a timed
// assertion: the bound only keeps a broken test from hanging).
func netEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bottest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bcDraftID is the ID of the draft whose panel the author sees last.
func bcDraftID(t *testing.T, u *bottest.Person) int64 {
	t.Helper()
	_, data := u.WaitButton("bc:")
	var id int64
	if _, err := fmt.Sscanf(data, "bc:%d:", &id); err != nil {
		t.Fatalf("callback %q: %v", data, err)
	}
	return id
}

// A broadcast in English and Russian to Kazakhstan and Tajikistan, with acknowledgements: each
// recipient gets their language's version or the fallback, nobody else gets anything, nothing
// goes out before confirmation or twice, and /broadcasts shows the counts and who is missing.
func TestBroadcastTwoLanguagesToTwoCountriesWithAcknowledgements(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst = 2001
	ids := netSeed(t, h,
		netPerson{analyst, "Aida", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{2101, "Kairat", "ru", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{2102, "Kate", "en", store.RoleFocalPoint, "KZ", "port_control_unit"},
		netPerson{2201, "Farrukh", "tg", store.RoleFocalPoint, "TJ", "customs"},
		netPerson{2202, "Timur", "ru", store.RoleFocalPoint, "TJ", "drug_control_agency"},
		netPerson{2301, "Nino", "ka", store.RoleFocalPoint, "GE", "customs"},
		netPerson{2401, "Ulugbek", "ru", store.RoleFocalPoint, "UZ", "customs"},
	)
	a := h.Person(analyst, "Aida", "en")
	kzRU, kzEN := h.Person(2101, "Kairat", "ru"), h.Person(2102, "Kate", "en")
	tjTG, tjRU := h.Person(2201, "Farrukh", "tg"), h.Person(2202, "Timur", "ru")
	ge, uz := h.Person(2301, "Nino", "ka"), h.Person(2401, "Ulugbek", "ru")

	a.SendText("/broadcast")
	a.WaitText("Send the text in English")
	a.SendText("Dostyk rail crossing closed 10–12 March <maintenance>.")
	a.WaitText("Audience: not chosen yet — 0 recipients")
	id := bcDraftID(t, a)

	// Nothing chosen: the preview refuses before any Confirm exists.
	a.Click("Preview")
	a.WaitText("No member matches this audience")

	a.Click("Audience")
	a.WaitText("Audience of broadcast #")
	a.Click("Kazakhstan")
	a.WaitText("Now: Kazakhstan — 2 recipients")
	a.Click("Tajikistan")
	a.WaitText("Now: Kazakhstan, Tajikistan — 4 recipients")
	a.Click("Done")
	a.WaitText("Audience: Kazakhstan, Tajikistan — 4 recipients")
	a.Click("Ask to acknowledge")
	a.WaitText("Acknowledgement: asked for")

	a.Click("Add a language")
	a.WaitText("add (or replace) a version")
	a.Click("Русский")
	a.WaitText("Send the text in Русский")
	a.SendText("Ж/д переход Достык закрыт 10–12 марта <ремонт>.")
	a.WaitText("Languages: English (for everyone else), Русский")

	a.Click("Preview")
	preview := a.WaitText("Preview of broadcast #")
	for _, want := range []string{"CARICC broadcast", "Dostyk rail crossing closed 10–12 March <maintenance>.", "4 recipients", "routine"} {
		if !strings.Contains(preview.Plain(), want) {
			t.Errorf("preview lacks %q: %q", want, preview.Plain())
		}
	}
	for _, u := range []*bottest.Person{kzRU, kzEN, tjTG, tjRU, ge, uz} {
		if n := len(u.Messages()); n != 0 {
			t.Fatalf("user %d got %d messages before confirmation", u.ID(), n)
		}
	}
	a.Click("Send to 4 recipients")
	a.WaitText("is being sent to 4 recipients")
	// A second press of Confirm (sent before the first one's answer removed the button) sends
	// nothing more.
	a.PressForged(preview.ID, fmt.Sprintf("bc:%d:send", id))
	a.WaitToast("This button is no longer valid")

	want := map[*bottest.Person]string{
		kzRU: "Ж/д переход Достык закрыт 10–12 марта <ремонт>.",
		kzEN: "Dostyk rail crossing closed 10–12 March <maintenance>.",
		tjTG: "Dostyk rail crossing closed 10–12 March <maintenance>.", // no Tajik version: the fallback
		tjRU: "Ж/д переход Достык закрыт 10–12 марта <ремонт>.",
	}
	for u, text := range want {
		m := u.WaitText(text)
		if len(m.Buttons()) != 1 || m.Buttons()[0].CallbackData != fmt.Sprintf("bca:%d", id) {
			t.Errorf("user %d: buttons %+v, want one Acknowledge", u.ID(), m.Buttons())
		}
	}
	if m := kzRU.WaitText("Рассылка ЦАРИКЦ"); strings.Contains(m.Plain(), "Dostyk") {
		t.Errorf("Russian reader got the English version too: %q", m.Plain())
	}
	// The fallback is labelled with its language; the Tajik reader's UI is English until a
	// Tajik locale exists, and the label names English in its own name either way.
	if m := tjTG.WaitText("Dostyk"); !strings.Contains(m.Plain(), "English") {
		t.Errorf("fallback version not labelled: %q", m.Plain())
	}

	// Acknowledgements: three of four; a second press changes nothing.
	for _, u := range []*bottest.Person{kzRU, kzEN, tjTG} {
		m, data := u.WaitButton("bca:")
		if _, err := u.Press(m.ID, data); err != nil {
			t.Fatal(err)
		}
	}
	kzEN.WaitToast("Acknowledged")
	kzRU.WaitToast("Получение подтверждено")
	m, _ := kzRU.WaitForText("Рассылка ЦАРИКЦ", bottest.Wait)
	kzRU.PressForged(m.ID, fmt.Sprintf("bca:%d", id))
	kzRU.WaitToast("Вы уже подтвердили")
	netEventually(t, "three acknowledgements and four deliveries recorded", func() bool {
		var acked int
		_ = h.Store.DB.Get(&acked, `SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND acked_at IS NOT NULL`, id)
		c, _ := delivery.CountsFor(context.Background(), h.Store.DB, "broadcast", id)
		return acked == 3 && c.Sent == 4
	})
	// Forged acknowledgement by someone it was not sent to (told in Georgian, their language).
	ge.PressForged(1, fmt.Sprintf("bca:%d", id))
	ge.WaitToast(h.App().I18n.T("ka", "bc_ack_not_recipient", nil))

	for _, u := range []*bottest.Person{kzRU, kzEN, tjTG, tjRU} {
		if n := u.Count("CARICC") + u.Count("ЦАРИКЦ"); n != 1 {
			t.Errorf("user %d got the broadcast %d times", u.ID(), n)
		}
	}
	for _, u := range []*bottest.Person{ge, uz} {
		if n := len(u.Messages()); n != 0 {
			t.Errorf("user %d outside the audience got %d messages", u.ID(), n)
		}
	}

	a.SendText("/broadcasts")
	list := a.WaitText("Your broadcasts")
	if !strings.Contains(list.Plain(), "recipients 4 · delivered 4 · acknowledged 3 · failed 0 · pending 0") {
		t.Errorf("report line wrong: %q", list.Plain())
	}
	a.Click(fmt.Sprintf("Who is missing: #%d", id))
	report := a.WaitText("1 has not acknowledged")
	if !strings.Contains(report.Plain(), "Timur (Tajikistan) — delivered") || strings.Contains(report.Plain(), "Kairat") {
		t.Errorf("missing list wrong: %q", report.Plain())
	}

	var audited int
	if err := h.Store.DB.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'broadcast_sent' AND subject_id = $1`, id); err != nil || audited != 1 {
		t.Errorf("audit entries %d (%v), want 1", audited, err)
	}
	_ = ids
}

// A scheduled broadcast goes out only when its time comes (by the App's clock), and one
// cancelled before then never goes out.
func TestScheduledBroadcastCancelledBeforeItGoes(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst = 3001
	netSeed(t, h,
		netPerson{analyst, "Boris", "ru", store.RoleAnalyst, "", "caricc"},
		netPerson{3101, "Aliya", "en", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{3102, "Dana", "ru", store.RoleObserver, "", "unodc"},
	)
	a := h.Person(analyst, "Boris", "ru")
	kz, obs := h.Person(3101, "Aliya", "en"), h.Person(3102, "Dana", "ru")

	// schedule composes a broadcast to the whole network and asks for it at `when`; it returns
	// the draft's ID and its panel's message ID.
	schedule := func(text, when string) (int64, int) {
		t.Helper()
		n := len(a.Messages())
		a.SendText("/broadcast")
		a.WaitAfter(n, "Новая рассылка")
		a.SendText(text)
		panel := a.WaitAfter(n, "Черновик рассылки")
		var id int64
		if _, err := fmt.Sscanf(panel.Buttons()[0].CallbackData, "bc:%d:", &id); err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("bc:%d:", id)
		a.ClickOn(panel.ID, p+"aud")
		a.ClickOn(panel.ID, p+"all")
		a.WaitOn(panel.ID, "Сейчас: Вся сеть — 2 получателя")
		a.ClickOn(panel.ID, p+"main")
		n = len(a.Messages())
		a.ClickOn(panel.ID, p+"sched")
		a.WaitAfter(n, "Когда отправить?")
		a.SendText(when)
		return id, panel.ID
	}
	confirm := func(id int64, when string) {
		t.Helper()
		n := len(a.Messages())
		panel := a.WaitAfter(n-1, "Отправка: в "+when)
		a.ClickOn(panel.ID, fmt.Sprintf("bc:%d:prev", id))
		preview := a.WaitAfter(n, "Предпросмотр рассылки")
		a.ClickOn(preview.ID, fmt.Sprintf("bc:%d:send", id))
		a.WaitOn(preview.ID, fmt.Sprintf("Рассылка №%d будет отправлена в %s", id, when))
	}

	// A time in the past is refused, a later one accepted.
	id, _ := schedule("Учения в среду", "2026-03-02 08:00")
	a.WaitText("Это время уже прошло (сейчас 2026-03-02 14:00 UTC+5)")
	a.SendText("3ч")
	confirm(id, "2026-03-02 17:00 UTC+5")

	h.Advance(time.Hour) // not yet due
	if n := len(kz.Messages()) + len(obs.Messages()); n != 0 {
		t.Fatalf("%d messages before the scheduled time", n)
	}
	a.Click("Отменить эту рассылку")
	a.WaitText(fmt.Sprintf("Запланированная рассылка №%d отменена", id))
	// Pressing Cancel again (an old /broadcasts list, say) is refused: it is no longer scheduled.
	a.PressForged(1, fmt.Sprintf("bcx:%d", id))
	a.WaitText(fmt.Sprintf("Рассылку №%d уже нельзя отменить", id))

	// A second one, not cancelled, goes out when due and its author is told.
	id2, _ := schedule("Совещание в пятницу", "1h")
	confirm(id2, "2026-03-02 16:00 UTC+5")
	h.Advance(30 * time.Minute) // 10:30: not yet
	h.Advance(4 * time.Hour)    // past both times: only the second goes
	kz.WaitText("Совещание в пятницу")
	obs.WaitText("Совещание в пятницу")
	a.WaitText(fmt.Sprintf("запланированная рассылка №%d отправлена: 2 получателя", id2))
	h.Advance(time.Hour) // the job again: nothing twice
	for _, u := range []*bottest.Person{kz, obs} {
		if u.Count("Учения") != 0 {
			t.Errorf("user %d got the cancelled broadcast", u.ID())
		}
	}
	netEventually(t, "second broadcast delivered once to each", func() bool {
		c, _ := delivery.CountsFor(context.Background(), h.Store.DB, "broadcast", id2)
		return c.Sent == 2
	})
	if c, _ := delivery.CountsFor(context.Background(), h.Store.DB, "broadcast", id); c != (delivery.Counts{}) {
		t.Errorf("cancelled broadcast has outbox rows: %+v", c)
	}
	var state string
	if err := h.Store.DB.Get(&state, `SELECT state FROM broadcasts WHERE id = $1`, id); err != nil || state != "cancelled" {
		t.Errorf("state %q (%v), want cancelled", state, err)
	}
}

// Bad input: an empty broadcast, one too long, an audience of zero (refused before confirming,
// even by a forged Confirm), a broadcast by a focal point; and a photo goes out by its file_id.
func TestBroadcastBadInputAndAttachment(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst, fp = 4001, 4101
	netSeed(t, h,
		netPerson{analyst, "Chen", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{fp, "Gulnara", "en", store.RoleFocalPoint, "KG", "customs"},
	)
	a, kg := h.Person(analyst, "Chen", "en"), h.Person(fp, "Gulnara", "en")

	kg.SendText("/broadcast")
	kg.WaitText("not available for your role")

	a.SendText("/broadcast")
	a.WaitText("New broadcast")
	a.SendPhoto("")
	a.WaitText("A broadcast needs a text")
	a.SendText(strings.Repeat("x", 5000))
	a.WaitText("This text has 5000 characters; at most 3800 fit")
	a.SendPhoto(strings.Repeat("y", 950))
	a.WaitText("This text has 950 characters; at most 900 fit")
	a.SendPhoto("Seized consignment, container MSCU1234565")
	a.WaitText("Attachment: 📷 photo")
	id := bcDraftID(t, a)

	// Turkmenistan has no members: zero recipients, refused at the preview and at a forged Confirm.
	a.Click("Audience")
	a.WaitText("Audience of broadcast #")
	a.Click("Turkmenistan")
	a.WaitText("Now: Turkmenistan — 0 recipients")
	a.Click("Done")
	a.WaitText("Audience: Turkmenistan — 0 recipients")
	a.Click("Preview")
	a.WaitText("No member matches this audience")
	a.PressForged(1, fmt.Sprintf("bc:%d:send", id))
	if _, err := a.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		return a.Count("No member matches this audience") >= 2
	}); err != nil {
		t.Fatal(err)
	}
	var state string
	if err := h.Store.DB.Get(&state, `SELECT state FROM broadcasts WHERE id = $1`, id); err != nil || state != "draft" {
		t.Fatalf("state %q (%v) after a refused confirm, want draft", state, err)
	}

	// Kyrgyzstan instead: the photo goes out with its caption.
	a.Click("Audience")
	a.WaitText("Now: Turkmenistan — 0 recipients")
	a.Click("✓ Turkmenistan")
	a.WaitText("Now: not chosen yet — 0 recipients")
	a.Click("Kyrgyzstan")
	a.WaitText("Now: Kyrgyzstan — 1 recipient")
	a.Click("Done")
	a.WaitText("Audience: Kyrgyzstan — 1 recipient")
	a.Click("Priority: routine")
	a.WaitText("Priority: high")
	a.Click("Priority: high")
	a.WaitText("Priority: urgent")
	a.Click("Preview")
	a.WaitText("Preview of broadcast")
	a.Click("Send to 1 recipient")
	m := kg.WaitText("Seized consignment, container MSCU1234565")
	if m.Kind != "photo" || m.FileID == "" || !strings.Contains(m.Plain(), "URGENT") {
		t.Errorf("got %s %q with file %q, want an urgent photo", m.Kind, m.Plain(), m.FileID)
	}
	var fileID string
	if err := h.Store.DB.Get(&fileID, `SELECT photo_file_id FROM broadcasts WHERE id = $1`, id); err != nil || fileID != m.FileID {
		t.Errorf("photo file_id %q, recipient got %q (%v)", fileID, m.FileID, err)
	}
}

// A broadcast draft abandoned with /cancel is deleted a day later on the bot's clock; a draft
// still being composed stays however old it is. (Alert and request drafts live in the
// conversation, which /cancel deletes at once: nothing of them is left.)
func TestAbandonedBroadcastDraftPurged(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	netSeed(t, h,
		netPerson{2051, "Aida", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{2052, "Bolat", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{2053, "Chyngyz", "en", store.RoleFocalPoint, "KG", "customs"})
	quitter, keeper, fp := h.Person(2051, "Aida", "en"), h.Person(2052, "Bolat", "en"), h.Person(2053, "Chyngyz", "en")
	draft := func(p *bottest.Person) int64 {
		p.SendText("/broadcast")
		p.WaitText("Send the text in English")
		p.SendText("Dostyk rail crossing closed 10–12 March.")
		p.WaitText("Audience: not chosen yet")
		return bcDraftID(t, p)
	}
	gone, kept := draft(quitter), draft(keeper)
	quitter.SayWait("/cancel", "Cancelled")
	fp.SendText("/alert")
	fp.WaitText("What kind of alert is this?")
	fp.SayWait("/cancel", "Cancelled")
	exists := func(id int64) bool {
		_, err := store.BroadcastByID(context.Background(), h.Store.DB, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	h.Advance(time.Hour) // stamped abandoned now
	if !exists(gone) || !exists(kept) {
		t.Fatal("a draft was deleted within the day")
	}
	h.Advance(24*time.Hour + time.Minute)
	if exists(gone) {
		t.Error("the draft abandoned with /cancel is still there a day later")
	}
	if !exists(kept) {
		t.Error("the draft still being composed was deleted")
	}
	var convs int
	if err := h.Store.DB.GetContext(context.Background(), &convs, `SELECT count(*) FROM conversations WHERE telegram_user_id = 2053`); err != nil {
		t.Fatal(err)
	}
	if convs != 0 {
		t.Error("the cancelled alert draft is still kept")
	}
}

// In confidential mode the chat takes no text of a broadcast: /broadcast creates the draft,
// confidential, whose panel offers Open to the Mini App page of its texts instead of the
// chat's Add a language and the confidential toggle; a text typed, a photo sent, and forged
// presses of the buttons no longer offered change nothing, and a draft without text cannot be
// previewed or sent. (The page itself: bot/console's TestConfidentialBroadcast.)
func TestConfidentialBroadcastTakesNoTextInTheChat(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst, fp = 4051, 4151
	netSeed(t, h,
		netPerson{analyst, "Chen", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{fp, "Gulnara", "en", store.RoleFocalPoint, "KG", "customs"},
	)
	a, kg := h.Person(analyst, "Chen", "en"), h.Person(fp, "Gulnara", "en")
	// A /broadcast begun before the switch: its text, typed after it, is not kept; the draft
	// is created as /broadcast now does.
	a.Say("/broadcast")
	a.WaitText("Send the text in English")
	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	h.Config.ConfidentialContent = true
	h.Run()
	netEventually(t, "the console serves", func() bool { return h.App().ConsoleURL() != "" })
	a.Say("SECRET typed at the switch")
	a.WaitNew("takes no photo or document")
	a.WaitNew("written in the app")
	var n int
	if err := h.Store.DB.Get(&n, `SELECT count(*) FROM broadcasts b JOIN broadcast_texts t ON t.broadcast_id = b.id WHERE b.confidential`); err != nil || n != 0 {
		t.Fatalf("texts of confidential drafts after a text typed at the switch: %d (%v)", n, err)
	}

	a.Say("/broadcast")
	panel := a.WaitNew("written in the app")
	id := bcDraftID(t, a)
	open := ""
	for _, b := range panel.Buttons() {
		if b.WebAppURL != "" {
			open = strings.TrimPrefix(b.WebAppURL, h.App().ConsoleURL())
		}
		if strings.HasSuffix(b.CallbackData, ":lang") || strings.HasSuffix(b.CallbackData, ":conf") {
			t.Errorf("the panel offers %q (%s)", b.Text, b.CallbackData)
		}
	}
	if open != fmt.Sprintf("/app/broadcasts/%d/edit", id) {
		t.Fatalf("the panel's Open leads to %q", open)
	}
	texts := func() int {
		var n int
		if err := h.Store.DB.Get(&n, `SELECT count(*) FROM broadcast_texts WHERE broadcast_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return n
	}

	a.SendPhoto("SECRET caption")
	a.WaitText("takes no photo or document")
	// A forged press of the chat's language button would await a text: the text that follows
	// is still refused.
	a.PressForged(panel.ID, fmt.Sprintf("bc:%d:l:ru", id))
	a.PressForged(panel.ID, fmt.Sprintf("bc:%d:conf", id))
	a.Say("SECRET typed in the chat")
	a.WaitNew("Use the buttons of the draft")
	a.Click("Ask to acknowledge")
	a.WaitText("Acknowledgement: asked for")
	var confidential bool
	var photo string
	if err := h.Store.DB.QueryRow(`SELECT confidential, photo_file_id FROM broadcasts WHERE id = $1`, id).Scan(&confidential, &photo); err != nil {
		t.Fatal(err)
	}
	if !confidential || photo != "" || texts() != 0 {
		t.Fatalf("after the chat's input: confidential %v, photo %q, %d texts", confidential, photo, texts())
	}

	// No text yet: Preview and a forged Send are refused; nothing goes out.
	a.Click("Audience")
	a.WaitText("Audience of broadcast #")
	a.Click("Kyrgyzstan")
	a.WaitText("Now: Kyrgyzstan — 1 recipient")
	a.Click("Done")
	a.WaitText("Audience: Kyrgyzstan — 1 recipient")
	a.Click("Preview")
	a.WaitNew("has no text yet")
	a.PressForged(panel.ID, fmt.Sprintf("bc:%d:send", id))
	if _, err := a.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return a.Count("has no text yet") >= 2 }); err != nil {
		t.Fatal(err)
	}
	var state string
	if err := h.Store.DB.Get(&state, `SELECT state FROM broadcasts WHERE id = $1`, id); err != nil || state != "draft" {
		t.Fatalf("state %q (%v) after a Send without text, want draft", state, err)
	}

	// Once its text is written (as the Mini App page saves it), it goes out as its header and Open.
	if err := store.SetBroadcastText(context.Background(), h.Store.DB, id, "en", "SECRET written in the app"); err != nil {
		t.Fatal(err)
	}
	a.Click("Preview")
	a.WaitText("Preview of broadcast")
	a.Click("Send to 1 recipient")
	kg.WaitText("The text is not sent through Telegram")
	h.WaitIdle()
	for _, call := range h.TG.Calls("") {
		for k, v := range call.Params {
			if strings.Contains(v, "SECRET") {
				t.Errorf("%s sent %s: %q", call.Method, k, v)
			}
		}
	}
}
