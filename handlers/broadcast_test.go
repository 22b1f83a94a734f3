package handlers_test

import (
	"context"
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
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// netWaitButton waits for the newest bot message with a button whose callback data has the
// prefix, and returns the message and that button's data.
func netWaitButton(t *testing.T, u *telegramtest.User, prefix string) (telegramtest.Message, string) {
	t.Helper()
	var found telegramtest.Message
	var data string
	_, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			for _, b := range ms[i].Buttons() {
				if strings.HasPrefix(b.CallbackData, prefix) {
					found, data = ms[i], b.CallbackData
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no button %q: %v", prefix, err)
	}
	return found, data
}

// netPress presses the button with that text, failing the test if there is none.
func netPress(t *testing.T, u *telegramtest.User, text string) {
	t.Helper()
	if _, err := u.PressButton(text); err != nil {
		t.Fatal(err)
	}
}

// netWaitText waits for a bot message containing substr.
func netWaitText(t *testing.T, u *telegramtest.User, substr string) telegramtest.Message {
	t.Helper()
	m, err := u.WaitForText(substr, wait)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// netWaitToast waits for an answer to a pressed button containing substr.
func netWaitToast(t *testing.T, u *telegramtest.User, substr string) {
	t.Helper()
	_, err := u.WaitFor(wait, func([]telegramtest.Message) bool {
		for _, e := range u.Transcript() {
			if e.Kind == telegramtest.EventCallbackAnswer && strings.Contains(e.Text, substr) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no notice %q: %v", substr, err)
	}
}

// netWaitOn waits until the bot's message msgID shows substr (it may be edited into it).
func netWaitOn(t *testing.T, u *telegramtest.User, msgID int, substr string) {
	t.Helper()
	_, err := u.WaitFor(wait, func([]telegramtest.Message) bool {
		m, ok := u.Message(msgID)
		return ok && strings.Contains(m.Plain(), substr)
	})
	if err != nil {
		m, _ := u.Message(msgID)
		t.Fatalf("message %d never showed %q; it shows %q", msgID, substr, m.Plain())
	}
}

// netPressOn presses the button with data on message msgID once the message has it.
func netPressOn(t *testing.T, u *telegramtest.User, msgID int, data string) {
	t.Helper()
	_, err := u.WaitFor(wait, func([]telegramtest.Message) bool {
		m, ok := u.Message(msgID)
		if !ok {
			return false
		}
		for _, b := range m.Buttons() {
			if b.CallbackData == data {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("message %d never had button %q", msgID, data)
	}
	if _, err := u.Press(msgID, data); err != nil {
		t.Fatal(err)
	}
}

// netWaitNew waits for a bot message sent after the first `after` ones that contains substr.
func netWaitNew(t *testing.T, u *telegramtest.User, after int, substr string) telegramtest.Message {
	t.Helper()
	var found telegramtest.Message
	msgs, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= after; i-- {
			if strings.Contains(ms[i].Plain(), substr) {
				found = ms[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		last := ""
		if len(msgs) > 0 {
			last = msgs[len(msgs)-1].Plain()
		}
		t.Fatalf("no new message %q; last: %q", substr, last)
	}
	return found
}

// netCount counts the bot's messages containing substr.
func netCount(u *telegramtest.User, substr string) int {
	n := 0
	for _, m := range u.Messages() {
		if strings.Contains(m.Plain(), substr) {
			n++
		}
	}
	return n
}

// bcDraftID is the ID of the draft whose panel the author sees last.
func bcDraftID(t *testing.T, u *telegramtest.User) int64 {
	t.Helper()
	_, data := netWaitButton(t, u, "bc:")
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
	a := h.TG.User(analyst, "Aida", "en")
	kzRU, kzEN := h.TG.User(2101, "Kairat", "ru"), h.TG.User(2102, "Kate", "en")
	tjTG, tjRU := h.TG.User(2201, "Farrukh", "tg"), h.TG.User(2202, "Timur", "ru")
	ge, uz := h.TG.User(2301, "Nino", "ka"), h.TG.User(2401, "Ulugbek", "ru")

	a.SendText("/broadcast")
	netWaitText(t, a, "Send the text in English")
	a.SendText("Dostyk rail crossing closed 10–12 March <maintenance>.")
	netWaitText(t, a, "Audience: not chosen yet — 0 recipients")
	id := bcDraftID(t, a)

	// Nothing chosen: the preview refuses before any Confirm exists.
	netPress(t, a, "Preview")
	netWaitText(t, a, "No member matches this audience")

	netPress(t, a, "Audience")
	netWaitText(t, a, "Audience of broadcast #")
	netPress(t, a, "Kazakhstan")
	netWaitText(t, a, "Now: Kazakhstan — 2 recipients")
	netPress(t, a, "Tajikistan")
	netWaitText(t, a, "Now: Kazakhstan, Tajikistan — 4 recipients")
	netPress(t, a, "Done")
	netWaitText(t, a, "Audience: Kazakhstan, Tajikistan — 4 recipients")
	netPress(t, a, "Ask to acknowledge")
	netWaitText(t, a, "Acknowledgement: asked for")

	netPress(t, a, "Add a language")
	netWaitText(t, a, "add (or replace) a version")
	netPress(t, a, "русский")
	netWaitText(t, a, "Send the text in русский")
	a.SendText("Ж/д переход Достык закрыт 10–12 марта <ремонт>.")
	netWaitText(t, a, "Languages: English (for everyone else), русский")

	netPress(t, a, "Preview")
	preview := netWaitText(t, a, "Preview of broadcast #")
	for _, want := range []string{"CARICC broadcast", "Dostyk rail crossing closed 10–12 March <maintenance>.", "4 recipients", "routine"} {
		if !strings.Contains(preview.Plain(), want) {
			t.Errorf("preview lacks %q: %q", want, preview.Plain())
		}
	}
	for _, u := range []*telegramtest.User{kzRU, kzEN, tjTG, tjRU, ge, uz} {
		if n := len(u.Messages()); n != 0 {
			t.Fatalf("user %d got %d messages before confirmation", u.ID(), n)
		}
	}
	netPress(t, a, "Confirm: send to 4 recipients")
	netWaitText(t, a, "is being sent to 4 recipients")
	// A second press of Confirm (sent before the first one's answer removed the button) sends
	// nothing more.
	a.PressForged(preview.ID, fmt.Sprintf("bc:%d:send", id))
	netWaitToast(t, a, "This button is no longer valid")

	want := map[*telegramtest.User]string{
		kzRU: "Ж/д переход Достык закрыт 10–12 марта <ремонт>.",
		kzEN: "Dostyk rail crossing closed 10–12 March <maintenance>.",
		tjTG: "Dostyk rail crossing closed 10–12 March <maintenance>.", // no Tajik version: the fallback
		tjRU: "Ж/д переход Достык закрыт 10–12 марта <ремонт>.",
	}
	for u, text := range want {
		m := netWaitText(t, u, text)
		if len(m.Buttons()) != 1 || m.Buttons()[0].CallbackData != fmt.Sprintf("bca:%d", id) {
			t.Errorf("user %d: buttons %+v, want one Acknowledge", u.ID(), m.Buttons())
		}
	}
	if m := netWaitText(t, kzRU, "Рассылка ЦАРИКЦ"); strings.Contains(m.Plain(), "Dostyk") {
		t.Errorf("Russian reader got the English version too: %q", m.Plain())
	}
	// The fallback is labelled with its language; the Tajik reader's UI is English until a
	// Tajik locale exists, and the label names English in its own name either way.
	if m := netWaitText(t, tjTG, "Dostyk"); !strings.Contains(m.Plain(), "English") {
		t.Errorf("fallback version not labelled: %q", m.Plain())
	}

	// Acknowledgements: three of four; a second press changes nothing.
	for _, u := range []*telegramtest.User{kzRU, kzEN, tjTG} {
		m, data := netWaitButton(t, u, "bca:")
		if _, err := u.Press(m.ID, data); err != nil {
			t.Fatal(err)
		}
	}
	netWaitToast(t, kzEN, "Acknowledged")
	netWaitToast(t, kzRU, "Получение подтверждено")
	m, _ := kzRU.WaitForText("Рассылка ЦАРИКЦ", wait)
	kzRU.PressForged(m.ID, fmt.Sprintf("bca:%d", id))
	netWaitToast(t, kzRU, "Вы уже подтвердили")
	netEventually(t, "three acknowledgements and four deliveries recorded", func() bool {
		var acked int
		_ = h.Store.DB.Get(&acked, `SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND acked_at IS NOT NULL`, id)
		c, _ := delivery.CountsFor(context.Background(), h.Store.DB, "broadcast", id)
		return acked == 3 && c.Sent == 4
	})
	// Forged acknowledgement by someone it was not sent to (told in Georgian, their language).
	ge.PressForged(1, fmt.Sprintf("bca:%d", id))
	netWaitToast(t, ge, h.App().I18n.T("ka", "bc_ack_not_recipient", nil))

	for _, u := range []*telegramtest.User{kzRU, kzEN, tjTG, tjRU} {
		if n := netCount(u, "CARICC") + netCount(u, "ЦАРИКЦ"); n != 1 {
			t.Errorf("user %d got the broadcast %d times", u.ID(), n)
		}
	}
	for _, u := range []*telegramtest.User{ge, uz} {
		if n := len(u.Messages()); n != 0 {
			t.Errorf("user %d outside the audience got %d messages", u.ID(), n)
		}
	}

	a.SendText("/broadcasts")
	list := netWaitText(t, a, "Your broadcasts")
	if !strings.Contains(list.Plain(), "recipients 4 · delivered 4 · acknowledged 3 · failed 0 · pending 0") {
		t.Errorf("report line wrong: %q", list.Plain())
	}
	netPress(t, a, fmt.Sprintf("Who is missing: #%d", id))
	report := netWaitText(t, a, "1 has not acknowledged")
	if !strings.Contains(report.Plain(), "Timur (TJ) — delivered") || strings.Contains(report.Plain(), "Kairat") {
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
	a := h.TG.User(analyst, "Boris", "ru")
	kz, obs := h.TG.User(3101, "Aliya", "en"), h.TG.User(3102, "Dana", "ru")

	// schedule composes a broadcast to the whole network and asks for it at `when`; it returns
	// the draft's ID and its panel's message ID.
	schedule := func(text, when string) (int64, int) {
		t.Helper()
		n := len(a.Messages())
		a.SendText("/broadcast")
		netWaitNew(t, a, n, "Новая рассылка")
		a.SendText(text)
		panel := netWaitNew(t, a, n, "Черновик рассылки")
		var id int64
		if _, err := fmt.Sscanf(panel.Buttons()[0].CallbackData, "bc:%d:", &id); err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("bc:%d:", id)
		netPressOn(t, a, panel.ID, p+"aud")
		netPressOn(t, a, panel.ID, p+"all")
		netWaitOn(t, a, panel.ID, "Сейчас: Вся сеть — 2 получателя")
		netPressOn(t, a, panel.ID, p+"main")
		n = len(a.Messages())
		netPressOn(t, a, panel.ID, p+"sched")
		netWaitNew(t, a, n, "Когда отправить?")
		a.SendText(when)
		return id, panel.ID
	}
	confirm := func(id int64, when string) {
		t.Helper()
		n := len(a.Messages())
		panel := netWaitNew(t, a, n-1, "Отправка: в "+when)
		netPressOn(t, a, panel.ID, fmt.Sprintf("bc:%d:prev", id))
		preview := netWaitNew(t, a, n, "Предпросмотр рассылки")
		netPressOn(t, a, preview.ID, fmt.Sprintf("bc:%d:send", id))
		netWaitOn(t, a, preview.ID, fmt.Sprintf("Рассылка №%d будет отправлена в %s", id, when))
	}

	// A time in the past is refused, a later one accepted.
	id, _ := schedule("Учения в среду", "2026-03-02 08:00")
	netWaitText(t, a, "Это время уже прошло (сейчас 2026-03-02 09:00 UTC)")
	a.SendText("3ч")
	confirm(id, "2026-03-02 12:00 UTC")

	h.Advance(time.Hour) // not yet due
	if n := len(kz.Messages()) + len(obs.Messages()); n != 0 {
		t.Fatalf("%d messages before the scheduled time", n)
	}
	netPress(t, a, "Отменить эту рассылку")
	netWaitText(t, a, fmt.Sprintf("Запланированная рассылка №%d отменена", id))
	// Pressing Cancel again (an old /broadcasts list, say) is refused: it is no longer scheduled.
	a.PressForged(1, fmt.Sprintf("bcx:%d", id))
	netWaitText(t, a, fmt.Sprintf("Рассылку №%d уже нельзя отменить", id))

	// A second one, not cancelled, goes out when due and its author is told.
	id2, _ := schedule("Совещание в пятницу", "1h")
	confirm(id2, "2026-03-02 11:00 UTC")
	h.Advance(30 * time.Minute) // 10:30: not yet
	h.Advance(4 * time.Hour)    // past both times: only the second goes
	netWaitText(t, kz, "Совещание в пятницу")
	netWaitText(t, obs, "Совещание в пятницу")
	netWaitText(t, a, fmt.Sprintf("запланированная рассылка №%d отправлена: 2 получателя", id2))
	h.Advance(time.Hour) // the job again: nothing twice
	for _, u := range []*telegramtest.User{kz, obs} {
		if netCount(u, "Учения") != 0 {
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
	a, kg := h.TG.User(analyst, "Chen", "en"), h.TG.User(fp, "Gulnara", "en")

	kg.SendText("/broadcast")
	netWaitText(t, kg, "not available for your role")

	a.SendText("/broadcast")
	netWaitText(t, a, "New broadcast")
	a.SendPhoto("")
	netWaitText(t, a, "A broadcast needs a text")
	a.SendText(strings.Repeat("x", 5000))
	netWaitText(t, a, "This text has 5000 characters; at most 3800 fit")
	a.SendPhoto(strings.Repeat("y", 950))
	netWaitText(t, a, "This text has 950 characters; at most 900 fit")
	a.SendPhoto("Seized consignment, container MSCU1234565")
	netWaitText(t, a, "Attachment: 📷 photo")
	id := bcDraftID(t, a)

	// Turkmenistan has no members: zero recipients, refused at the preview and at a forged Confirm.
	netPress(t, a, "Audience")
	netWaitText(t, a, "Audience of broadcast #")
	netPress(t, a, "Turkmenistan")
	netWaitText(t, a, "Now: Turkmenistan — 0 recipients")
	netPress(t, a, "Done")
	netWaitText(t, a, "Audience: Turkmenistan — 0 recipients")
	netPress(t, a, "Preview")
	netWaitText(t, a, "No member matches this audience")
	a.PressForged(1, fmt.Sprintf("bc:%d:send", id))
	if _, err := a.WaitFor(wait, func(ms []telegramtest.Message) bool {
		return netCount(a, "No member matches this audience") >= 2
	}); err != nil {
		t.Fatal(err)
	}
	var state string
	if err := h.Store.DB.Get(&state, `SELECT state FROM broadcasts WHERE id = $1`, id); err != nil || state != "draft" {
		t.Fatalf("state %q (%v) after a refused confirm, want draft", state, err)
	}

	// Kyrgyzstan instead: the photo goes out with its caption.
	netPress(t, a, "Audience")
	netWaitText(t, a, "Now: Turkmenistan — 0 recipients")
	netPress(t, a, "✓ Turkmenistan")
	netWaitText(t, a, "Now: not chosen yet — 0 recipients")
	netPress(t, a, "Kyrgyzstan")
	netWaitText(t, a, "Now: Kyrgyzstan — 1 recipient")
	netPress(t, a, "Done")
	netWaitText(t, a, "Audience: Kyrgyzstan — 1 recipient")
	netPress(t, a, "Priority: routine")
	netWaitText(t, a, "Priority: high")
	netPress(t, a, "Priority: high")
	netWaitText(t, a, "Priority: urgent")
	netPress(t, a, "Preview")
	netWaitText(t, a, "Preview of broadcast")
	netPress(t, a, "Confirm: send to 1 recipient")
	m := netWaitText(t, kg, "Seized consignment, container MSCU1234565")
	if m.Kind != "photo" || m.FileID == "" || !strings.Contains(m.Plain(), "URGENT") {
		t.Errorf("got %s %q with file %q, want an urgent photo", m.Kind, m.Plain(), m.FileID)
	}
	var fileID string
	if err := h.Store.DB.Get(&fileID, `SELECT photo_file_id FROM broadcasts WHERE id = $1`, id); err != nil || fileID != m.FileID {
		t.Errorf("photo file_id %q, recipient got %q (%v)", fileID, m.FileID, err)
	}
}
