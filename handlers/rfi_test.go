package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// rfiNet is a small network: a CARICC analyst, a Pakistani focal point, three Uzbek focal
// points (two reading Russian), a Kazakh one (Russian), a Georgian one, and a suspended Turkmen
// one (so Turkmenistan has no active focal point).
type rfiNet struct {
	h                        *bottest.Harness
	analyst, pk, uz1, uz2    *bottest.Person
	uz3, kz, ge              *bottest.Person
	ids                      map[int64]int64 // Telegram ID → member ID
	analystID, pkID, uz1ID   int64
	uz2ID, uz3ID, kzID, geID int64
}

func newRFINet(t *testing.T) *rfiNet {
	t.Helper()
	h := bottest.Start(t, handlers.Register)
	n := &rfiNet{h: h, ids: map[int64]int64{}}
	country := func(c string) *string { return &c }
	seed := []struct {
		tgID    int64
		name    string
		country *string
		agency  string
		unit    string
		role    string
		lang    string
		state   string
	}{
		{7001, "Olga", nil, "caricc", "Analysis", store.RoleAnalyst, "en", store.StateActive},
		{7101, "Imran", country("PK"), "port_control_unit", "PCU Karachi", store.RoleFocalPoint, "en", store.StateActive},
		{7201, "Dilshod", country("UZ"), "customs", "Tashkent customs", store.RoleFocalPoint, "ru", store.StateActive},
		{7202, "Aziza", country("UZ"), "customs", "Termez post", store.RoleFocalPoint, "en", store.StateActive},
		{7203, "Bekzod", country("UZ"), "customs", "", store.RoleFocalPoint, "ru", store.StateActive},
		{7301, "Aigerim", country("KZ"), "customs", "Almaty", store.RoleFocalPoint, "ru", store.StateActive},
		{7401, "Nino", country("GE"), "customs", "Poti port", store.RoleFocalPoint, "en", store.StateActive},
		{7501, "Merdan", country("TM"), "customs", "Turkmenbashi", store.RoleFocalPoint, "ru", store.StateSuspended},
	}
	for _, s := range seed {
		id, err := store.InsertMember(context.Background(), h.Store.DB, store.Member{
			TelegramUserID: s.tgID, DisplayName: s.name, Country: s.country, Agency: s.agency, Unit: s.unit,
			Role: s.role, Language: s.lang, State: s.state})
		if err != nil {
			t.Fatal(err)
		}
		n.ids[s.tgID] = id
	}
	n.analyst, n.analystID = h.Person(7001, "Olga", "en"), n.ids[7001]
	n.pk, n.pkID = h.Person(7101, "Imran", "en"), n.ids[7101]
	n.uz1, n.uz1ID = h.Person(7201, "Dilshod", "ru"), n.ids[7201]
	n.uz2, n.uz2ID = h.Person(7202, "Aziza", "en"), n.ids[7202]
	n.uz3, n.uz3ID = h.Person(7203, "Bekzod", "ru"), n.ids[7203]
	n.kz, n.kzID = h.Person(7301, "Aigerim", "ru"), n.ids[7301]
	n.ge, n.geID = h.Person(7401, "Nino", "en"), n.ids[7401]
	return n
}

// hasFile holds once a photo or document with that file_id (and name) reached the chat:
// relayed by file_id, the emulator keeps the id; an upload would get a new one.
func hasFile(kind, fileID, name string) func([]telegramtest.Message) bool {
	return func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if m.Kind == kind && m.FileID == fileID && (name == "" || m.FileName == name) {
				return true
			}
		}
		return false
	}
}

// The whole life of a request: a Pakistani focal point asks Uzbekistan and Kazakhstan with a
// photo; one Uzbek focal point takes it (the others see who) and replies with a document
// (relayed by file_id); the requester answers back and closes it; a Kazakh reply after the
// closing still reaches the requester as a late answer. Threads are visible only to those
// part of them, and to analysts.
func TestRFIAskTakeReplyAnswerClose(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h := n.h
	pk := n.pk

	pk.SayWait("/ask", "Whom do you ask?")
	pk.Click("Uzbekistan")
	pk.Click("Kazakhstan")
	pk.ClickWait("Next →", "Write your request")
	pk.SayWait("Container MSCU1234565 from Karachi to Tashkent: was it released <and> to whom?", "Added.")
	before := pk.Count("Added.")
	pk.SendPhoto("seal on arrival")
	pk.WaitCount("Added.", before+1)
	pk.ClickWait("Done", "How urgent")
	pk.ClickWait("Urgent", "By when")
	pk.ClickWait("24 hours", "Is this about an alert?")
	seedAlert(t, h, "ALR-2026-000123", n.analystID, pk.ID())
	pk.SayWait("ALR-12", "looks like ALR-2026-000123")
	pk.SayWait("alr-2026-000123", "Check your request")
	review, _ := pk.LastMessage()
	for _, want := range []string{"Uzbekistan, Kazakhstan", "Urgent", "2026-03-03 14:00 UTC+5", "ALR-2026-000123", "1 file attached",
		"was it released <and> to whom?\nseal on arrival"} {
		if !strings.Contains(review.Plain(), want) {
			t.Errorf("review %q lacks %q", review.Plain(), want)
		}
	}
	pk.ClickWait("Send", "Request RFI-2026-000001 sent")

	// Targets get it with their buttons, in their language; CARICC gets a copy; the photo
	// follows by the same file_id.
	var photoFileID string
	if err := h.Store.DB.Get(&photoFileID, `SELECT file_id FROM rfi_attachments ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		u    *bottest.Person
		head string
		btn  string
	}{
		{n.uz1, "Запрос информации RFI-2026-000001", "Беру в работу"},
		{n.uz2, "Request for information RFI-2026-000001", "I am handling it"},
		{n.kz, "Запрос информации RFI-2026-000001", "Отклонить"},
		{n.analyst, "Copy for CARICC.", ""},
	} {
		m := c.u.WaitText(c.head)
		if c.btn != "" {
			if _, ok := m.Button(c.btn); !ok {
				t.Errorf("%s: request without button %q: %+v", c.u.FirstName(), c.btn, m.Buttons())
			}
		} else if len(m.Buttons()) != 0 {
			t.Errorf("%s: the copy has buttons", c.u.FirstName())
		}
		if !strings.Contains(m.Plain(), "Imran, PCU Karachi") || !strings.Contains(m.Plain(), "<and>") {
			t.Errorf("%s: request text %q", c.u.FirstName(), m.Plain())
		}
		if lang := strings.Contains(m.Plain(), "(язык оригинала: английский)"); lang != (c.u.LanguageCode() == "ru") {
			t.Errorf("%s: request text %q", c.u.FirstName(), m.Plain())
		}
		if _, err := c.u.WaitFor(bottest.Wait, hasFile("photo", photoFileID, "")); err != nil {
			t.Errorf("%s: photo not relayed by its file_id: %v", c.u.FirstName(), err)
		}
	}
	for _, u := range []*bottest.Person{n.ge, n.uz3} {
		if u == n.uz3 {
			continue // Bekzod is an Uzbek focal point too: he got it
		}
		if c := u.Count("RFI-2026-000001"); c != 0 {
			t.Errorf("%s received a request not meant for Georgia", u.FirstName())
		}
	}

	// Dilshod takes it; his colleagues and the requester see who; Aziza cannot take it too.
	n.uz1.ClickWait("Беру в работу", "Вы взяли")
	n.uz2.WaitText("Dilshod, Tashkent customs (Uzbekistan) is handling this request")
	n.uz3.WaitText("взял в работу Dilshod, Tashkent customs (Узбекистан)")
	pk.WaitText("Dilshod, Tashkent customs (Uzbekistan) is handling")
	if c := n.kz.Count("взял в работу"); c != 0 {
		t.Error("Kazakhstan was told of an Uzbek taking it")
	}
	n.uz2.ClickWait("I am handling it", "Dilshod, Tashkent customs (Uzbekistan) is already handling")
	n.uz1.ClickWait("Беру в работу", "Вы уже взяли")

	// He replies with a document; it reaches the requester and CARICC, by file_id.
	n.uz1.ClickWait("Ответить", "Ваш ответ на")
	before = n.uz1.Count("Добавлено.")
	n.uz1.SendDocument("manifest.pdf", "Контейнер выпущен 28.02, получатель ООО «Восток»")
	n.uz1.WaitCount("Добавлено.", before+1)
	n.uz1.ClickWait("Отправить", "передан автору запроса")
	var docFileID string
	if err := h.Store.DB.Get(&docFileID, `SELECT file_id FROM rfi_attachments WHERE kind = 'document'`); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*bottest.Person{pk, n.analyst} {
		m := u.WaitText("RFI-2026-000001 — reply from Dilshod")
		if !strings.Contains(m.Plain(), "(written in Russian)\nКонтейнер выпущен 28.02") || !strings.Contains(m.Plain(), "1 file follows") {
			t.Errorf("%s: reply %q", u.FirstName(), m.Plain())
		}
		if _, err := u.WaitFor(bottest.Wait, hasFile("document", docFileID, "manifest.pdf")); err != nil {
			t.Errorf("%s: document not relayed by its file_id: %v", u.FirstName(), err)
		}
	}
	if calls := h.TG.Calls("sendDocument"); len(calls) == 0 {
		t.Error("no sendDocument call")
	}
	if m, _ := pk.WaitForText("reply from Dilshod", bottest.Wait); len(m.Buttons()) != 2 {
		t.Errorf("requester's reply has buttons %+v, want Answer and Close", m.Buttons())
	}

	// The requester answers back in the thread; the targets get it.
	pk.ClickWait("Answer", "Your answer in RFI-2026-000001")
	pk.SayWait("Thank you. Please also send the seal records.", "Added.")
	pk.ClickWait("Send", "Your answer in RFI-2026-000001 was relayed")
	n.uz1.WaitText("автор запроса Imran, PCU Karachi (Пакистан) дополняет")
	n.kz.WaitText("Please also send the seal records")
	n.analyst.WaitText("the requester Imran, PCU Karachi (Pakistan) adds")

	// Someone who is not the requester cannot close it, even with a forged button.
	if m, ok := n.uz2.LastMessage(); ok {
		n.uz2.PressForged(m.ID, "rficlose:1")
	}
	n.uz2.WaitText("Only the requester can do this in RFI-2026-000001")
	n.ge.SendText("/start")
	n.ge.WaitText("Welcome")
	n.ge.PressForged(1, "rficlose:1")
	n.ge.WaitText("There is no such request that you can see")

	// Closed; a second close is refused; targets are told.
	pk.ClickWait("Close request", "RFI-2026-000001 is closed. Everyone")
	n.uz1.WaitText("закрыт автором запроса")
	n.kz.WaitText("закрыт автором запроса")
	if _, err := pk.PressButton("Close request"); err != nil {
		t.Fatal(err)
	}
	pk.WaitCount("RFI-2026-000001 is closed.", 2)

	// Aigerim answers after the closing: told, and it still reaches the requester, marked.
	n.kz.ClickWait("Ответить", "уже закрыт. Вы всё же можете ответить")
	n.kz.SayWait("По Казахстану сведений нет.", "Добавлено.")
	n.kz.ClickWait("Отправить", "Ваш ответ всё же передан автору запроса")
	pk.WaitText("RFI-2026-000001 — late answer (after the request was closed) from Aigerim")

	// The thread: the requester, the targets and analysts see it; nobody else does.
	pk.SayWait("/request rfi-2026-000001", "State: closed 2026-03-02 14:00 UTC+5")
	thread, _ := pk.LastMessage()
	for _, want := range []string{"Imran, PCU Karachi (Pakistan) asked", "Dilshod, Tashkent customs (Uzbekistan) took it",
		"replied:\n(written in Russian)\nКонтейнер выпущен", "📎 manifest.pdf", "📎 photo", "closed it", "replied after closing (late answer)",
		"Aziza, Termez post (Uzbekistan) — no response", "Dilshod, Tashkent customs (Uzbekistan) — replied"} {
		if !strings.Contains(thread.Plain(), want) {
			t.Errorf("thread lacks %q:\n%s", want, thread.Plain())
		}
	}
	n.analyst.SayWait("/request RFI-2026-000001", "RFI-2026-000001")
	n.uz2.SayWait("/request RFI-2026-000001", "State: closed")
	n.ge.SayWait("/request RFI-2026-000001", "There is no request RFI-2026-000001 that you can see")
	n.ge.SayWait("/request RFI-2026-999999", "There is no request RFI-2026-999999 that you can see")
	n.ge.SayWait("/request", "Send /request followed by a reference")
	pk.SayWait("/requests", "You have no open requests")

	var state string
	var messages, audits int
	if err := h.Store.DB.Get(&state, `SELECT state FROM rfis WHERE ref = 'RFI-2026-000001'`); err != nil || state != "closed" {
		t.Errorf("state %q %v", state, err)
	}
	if err := h.Store.DB.Get(&messages, `SELECT count(*) FROM rfi_messages`); err != nil || messages != 6 {
		t.Errorf("thread has %d messages (%v), want request, taken, reply, answer, closed, late reply", messages, err)
	}
	if err := h.Store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action LIKE 'rfi_%'`); err != nil || audits != 5 {
		t.Errorf("%d audit rows (%v), want sent, taken, replied, closed, replied", audits, err)
	}
}

// A second request goes unanswered: at its reply-by time the targets get one reminder, later
// CARICC gets the escalation listing who received it; neither repeats.
func TestRFIReminderAndEscalation(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk

	rfiAskUzbekistan(t, pk, "2 hours")
	n.uz2.WaitText("RFI-2026-000001")

	steps := func() (reminded, escalated bool) {
		var r, e *time.Time
		if err := h.Store.DB.QueryRow(`SELECT reminded_at, escalated_at FROM rfis`).Scan(&r, &e); err != nil {
			t.Fatal(err)
		}
		return r != nil, e != nil
	}
	h.Advance(119 * time.Minute)
	if r, e := steps(); r || e {
		t.Fatalf("before the reply-by time: reminded %v escalated %v", r, e)
	}
	h.Advance(time.Minute)
	if r, e := steps(); !r || e {
		t.Fatalf("at the reply-by time: reminded %v escalated %v", r, e)
	}
	n.uz2.WaitText("Reminder: a reply to RFI-2026-000001 was needed by 2026-03-02 16:00 UTC+5")
	n.uz1.WaitText("Напоминание: ответ на RFI-2026-000001 требовался до 2026-03-02 16:00 UTC+5")
	h.Advance(59 * time.Minute)
	if _, e := steps(); e {
		t.Fatal("escalated too early")
	}
	h.Advance(time.Minute)
	m := n.analyst.WaitText("Escalation: RFI-2026-000001 was due by 2026-03-02 16:00 UTC+5")
	for _, want := range []string{"From: Imran, PCU Karachi (Pakistan)", "Dilshod, Tashkent customs (Uzbekistan) — no response",
		"Aziza, Termez post (Uzbekistan) — no response", "Bekzod (Uzbekistan) — no response"} {
		if !strings.Contains(m.Plain(), want) {
			t.Errorf("escalation lacks %q:\n%s", want, m.Plain())
		}
	}
	h.Advance(24 * time.Hour)
	h.Advance(24 * time.Hour)
	var reminders, escalations int
	if err := h.Store.DB.Get(&reminders, `SELECT count(*) FROM outbox WHERE kind = 'rfi_remind'`); err != nil || reminders != 3 {
		t.Errorf("%d reminders (%v), want one to each of the 3 Uzbek targets", reminders, err)
	}
	if err := h.Store.DB.Get(&escalations, `SELECT count(*) FROM outbox WHERE kind = 'rfi_escalate'`); err != nil || escalations != 1 {
		t.Errorf("%d escalations (%v), want 1", escalations, err)
	}

	// A request answered in time is neither reminded nor escalated.
	rfiAskUzbekistan(t, pk, "2 hours")
	n.uz1.WaitText("RFI-2026-000002")
	n.uz1.ClickWait("Ответить", "Ваш ответ на RFI-2026-000002")
	n.uz1.SayWait("Нет данных.", "Добавлено.")
	n.uz1.ClickWait("Отправить", "передан")
	h.Advance(3 * time.Hour)
	h.Advance(24 * time.Hour)
	if err := h.Store.DB.Get(&reminders, `SELECT count(*) FROM outbox WHERE kind = 'rfi_remind'`); err != nil || reminders != 3 {
		t.Errorf("%d reminders after an answered request (%v), want still 3", reminders, err)
	}
}

// rfiAskUzbekistan sends a routine request to Uzbekistan with a reply-by button.
func rfiAskUzbekistan(t *testing.T, pk *bottest.Person, by string) {
	t.Helper()
	pk.SayWait("/ask", "Whom do you ask?")
	pk.Click("Uzbekistan")
	pk.ClickWait("Next →", "Write your request")
	pk.SayWait("Seal 0412233 on container TGHU8765431: do you have it on record?", "Added.")
	pk.ClickWait("Done", "How urgent")
	pk.ClickWait("Routine", "By when")
	pk.ClickWait(by, "Is this about an alert?")
	pk.ClickWait("Skip", "Check your request")
	pk.ClickWait("Send", "sent")
}

// The bad inputs of the issue: a country without an active focal point (told before sending,
// offered CARICC), an empty request, a reply-by time in the past (and unreadable, too far),
// a stale button, and a member suspended while holding a request (it returns to the pool,
// whether membership calls ReleaseHeldBy or the sweep finds it).
func TestRFIBadInputs(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk

	pk.SayWait("/ask", "Whom do you ask?")
	pk.ClickWait("Next →", "Choose at least one country")
	pk.Click("Turkmenistan")
	pk.ClickWait("Next →", "No active focal point in: Turkmenistan")
	pk.ClickWait("Send to CARICC instead", "Write your request")
	pk.ClickWait("Done", "The request is empty")
	pk.SayWait(strings.Repeat("x", 3001), "This is too long: at most 3000 characters")
	pk.SayWait("Any record of vessel IMO 9074729 calling at Turkmenbashi?", "Added.")
	pk.ClickWait("Done", "How urgent")
	pk.SayWait("tomorrow", "Please use the buttons above")
	pk.ClickWait("Routine", "By when")
	pk.SayWait("2026-03-01 10:00", "That time has already passed")
	pk.SayWait("0h", "That time has already passed")
	pk.SayWait("yesterday", "I could not read that time")
	pk.SayWait("40d", "more than 30 days ahead")
	pk.SayWait("2026-03-04 18:30", "Is this about an alert?")
	pk.ClickWait("Skip", "Check your request")
	review, _ := pk.LastMessage()
	if !strings.Contains(review.Plain(), "To: CARICC") || !strings.Contains(review.Plain(), "2026-03-04 18:30 UTC+5") {
		t.Errorf("review %q", review.Plain())
	}
	pk.ClickWait("Send", "Request RFI-2026-000001 sent")
	// CARICC is the target now: the analyst can answer, not only read a copy.
	m := n.analyst.WaitText("Request for information RFI-2026-000001")
	if _, ok := m.Button("Reply"); !ok || strings.Contains(m.Plain(), "Copy for CARICC") {
		t.Errorf("CARICC should be the target: %q %+v", m.Plain(), m.Buttons())
	}
	// Send again: the review lost its buttons once sent, so the press is one a client could
	// still send, forged.
	pk.ClickData(review.ID, buttonData(t, review, "rfiask:send"))
	pk.WaitToast("This button is no longer valid")
	pk.SayWait("/requests", "Outgoing")

	// Suspended while holding: membership's call releases at once, in its transaction.
	rfiAskUzbekistan(t, pk, "24 hours")
	for _, u := range []*bottest.Person{n.uz1, n.uz2, n.uz3} {
		u.WaitText("RFI-2026-000002")
	}
	n.uz1.ClickWait("Беру в работу", "Вы взяли")
	n.uz2.WaitText("is handling this request")
	err := h.Store.InTx(context.Background(), func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`UPDATE members SET state = 'suspended' WHERE id = $1`, n.uz1ID); err != nil {
			return err
		}
		released, err := rfi.ReleaseHeldBy(context.Background(), tx, n.uz1ID, h.Clock.Now())
		if released != 1 {
			t.Errorf("released %d, want 1", released)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n.uz2.WaitText("RFI-2026-000002 is open again: Dilshod, Tashkent customs (Uzbekistan) is no longer handling it")
	n.uz3.WaitText("RFI-2026-000002 снова открыт")
	// His old buttons now get the closed-network answer and change nothing.
	n.uz1.ClickWait("Ответить", "закрытую сеть")

	// Suspended without the call: the sweep job returns the request to the pool.
	n.uz2.ClickWait("I am handling it", "You are handling RFI-2026-000002")
	if _, err := h.Store.DB.Exec(`UPDATE members SET state = 'suspended' WHERE id = $1`, n.uz2ID); err != nil {
		t.Fatal(err)
	}
	h.Advance(time.Minute)
	n.uz3.WaitText("Aziza, Termez post (Узбекистан) больше им не занимается")
	var holders int
	if err := h.Store.DB.Get(&holders, `SELECT count(*) FROM rfi_recipients WHERE state = 'handling'`); err != nil || holders != 0 {
		t.Errorf("%d holders left (%v)", holders, err)
	}
	n.uz3.ClickWait("Беру в работу", "Вы взяли")
}

// /directory lists active members by country in the reader's language, never usernames,
// phone numbers or suspended members.
func TestDirectory(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	n.pk.SayWait("/directory", "Network directory")
	en, _ := n.pk.LastMessage()
	n.kz.SayWait("/directory", "Справочник сети")
	ru, _ := n.kz.LastMessage()
	for _, c := range []struct {
		text string
		want []string
	}{
		{en.Plain(), []string{"Uzbekistan\n• Aziza — Termez post, Customs (focal point)", "• Bekzod — Customs (focal point)",
			"Pakistan\n• Imran — PCU Karachi, Port control unit (focal point)", "CARICC and partners\n• Olga — Analysis, CARICC (analyst)"}},
		{ru.Plain(), []string{"Узбекистан\n• Aziza — Termez post, Таможенная служба (контактное лицо)", "Грузия", "ЦАРИКЦ и партнёры"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.text, w) {
				t.Errorf("directory lacks %q:\n%s", w, c.text)
			}
		}
		for _, no := range []string{"Merdan", "user7", "7201", "Turkmen", "Туркмен"} {
			if strings.Contains(c.text, no) {
				t.Errorf("directory shows %q:\n%s", no, c.text)
			}
		}
	}
	// Countries sorted by the reader's names: Georgia before Kazakhstan in English.
	if strings.Index(en.Plain(), "Georgia") > strings.Index(en.Plain(), "Kazakhstan") {
		t.Error("countries not in alphabetical order")
	}
}

// /request finds a thread however its reference is typed: any case, with or without the
// leading zeros of the number. Someone outside the thread still gets the not-found answer.
func TestRFIRequestLenientReference(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	rfiAskUzbekistan(t, n.pk, "24 hours")
	for _, typed := range []string{"rfi-2026-1", "RFI-2026-01", "Rfi-2026-000001"} {
		n.pk.SayWait("/request "+typed, "State: open")
		m, _ := n.pk.LastMessage()
		if !strings.Contains(m.Plain(), "RFI-2026-000001") || !strings.Contains(m.Plain(), "Imran, PCU Karachi (Pakistan) asked") {
			t.Errorf("/request %s: %q", typed, m.Plain())
		}
	}
	n.ge.SayWait("/request rfi-2026-1", "There is no request RFI-2026-000001 that you can see")
	n.pk.SayWait("/request rfi-2026-2", "There is no request RFI-2026-000002 that you can see")
	n.pk.SayWait("/request rfi-1", "There is no request RFI-1 that you can see")
}

// seedAlert stores a published alert of the analyst's, shared with the given members (by
// Telegram ID): what /ask may name.
func seedAlert(t *testing.T, h *bottest.Harness, ref string, authorID int64, shareWith ...int64) {
	t.Helper()
	ctx := context.Background()
	now := h.Clock.Now()
	al := &store.Alert{Ref: ref, AuthorID: authorID, SubmittedAt: now,
		Content: alert.Content{Classification: alert.ClassAttention, Text: "Container TGHU8765431", Lang: "en"}}
	id, err := store.InsertAlert(ctx, h.Store.DB, al)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, h.Store.DB, id, 1, store.AlertPublished, authorID, "", "all", now); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, tg := range shareWith {
		m, err := store.MemberByTelegramID(ctx, h.Store.DB, tg)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if err := store.AddRecipients(ctx, h.Store.DB, id, ids); err != nil {
		t.Fatal(err)
	}
}

// /ask names an alert only if it exists and the asker may see it (the register's rule): a
// well-formed reference of no alert, or of one not shared with the asker, gets the
// register's answer and the step stays; a shared one, typed loosely, is taken.
func TestRFIAskAlertMustExistAndBeShared(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk
	seedAlert(t, h, "ALR-2026-000123", n.analystID, pk.ID())
	seedAlert(t, h, "ALR-2026-000124", n.analystID, n.uz2.ID())

	pk.SayWait("/ask", "Whom do you ask?")
	pk.Click("Uzbekistan")
	pk.ClickWait("Next →", "Write your request")
	pk.SayWait("Any record of container TGHU8765431?", "Added.")
	pk.ClickWait("Done", "How urgent")
	pk.ClickWait("Routine", "By when")
	pk.ClickWait("24 hours", "Is this about an alert?")
	pk.SayWait("ALR-2026-999999", "There is no such alert, or it was not shared with you.")
	pk.SayWait("ALR-2026-000124", "There is no such alert, or it was not shared with you.")
	if c := pk.Count("Check your request"); c != 0 {
		t.Fatal("an unknown or unshared alert reached the review")
	}
	pk.SayWait("alr-2026-123", "Check your request")
	review, _ := pk.LastMessage()
	if !strings.Contains(review.Plain(), "Alert: ALR-2026-000123") {
		t.Errorf("review %q", review.Plain())
	}
	pk.ClickWait("Send", "Request RFI-2026-000001 sent")
	m := n.uz2.WaitText("RFI-2026-000001")
	if !strings.Contains(m.Plain(), "Alert: ALR-2026-000123") || strings.Contains(m.Plain(), "000124") {
		t.Errorf("request %q", m.Plain())
	}
	var alertRef string
	if err := h.Store.DB.Get(&alertRef, `SELECT alert_ref FROM rfis`); err != nil || alertRef != "ALR-2026-000123" {
		t.Errorf("alert_ref %q %v", alertRef, err)
	}
}

// The member handling a request is not offered "I am handling it" again on the later
// messages of its thread (the requester's answer, the reminder, the thread view); their
// colleagues still are.
func TestRFIHolderIsNotOfferedTake(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk
	rfiAskUzbekistan(t, pk, "2 hours")
	n.uz2.WaitText("RFI-2026-000001")
	n.uz2.ClickWait("I am handling it", "You are handling RFI-2026-000001")
	pk.WaitText("Aziza, Termez post (Uzbekistan) is handling")

	noTake := func(what string, m telegramtest.Message) {
		t.Helper()
		if _, ok := m.Button("I am handling it"); ok {
			t.Errorf("%s: the holder is offered to take it again: %+v", what, m.Buttons())
		}
		for _, b := range []string{"Reply", "Decline"} {
			if _, ok := m.Button(b); !ok {
				t.Errorf("%s: no %q button: %+v", what, b, m.Buttons())
			}
		}
	}
	rfiAnswerBack(t, pk, "Please check the seal records too.")
	noTake("answer", n.uz2.WaitText("Please check the seal records too."))
	if m := n.uz1.WaitText("Please check the seal records too."); len(m.Buttons()) == 0 {
		t.Error("a colleague got the answer without buttons")
	} else if _, ok := m.Button("Беру в работу"); !ok {
		t.Errorf("a colleague is not offered to take it: %+v", m.Buttons())
	}
	n.uz2.SayWait("/request RFI-2026-000001", "State: open")
	thread, _ := n.uz2.LastMessage()
	noTake("thread", thread)
	h.Advance(2 * time.Hour)
	noTake("reminder", n.uz2.WaitText("Reminder: a reply to RFI-2026-000001"))
}

// rfiAnswerBack: the requester answers back in the thread of the newest reply or event.
func rfiAnswerBack(t *testing.T, pk *bottest.Person, text string) {
	t.Helper()
	pk.SayWait("/request RFI-2026-000001", "State: open")
	pk.ClickWait("Answer", "Your answer in RFI-2026-000001")
	pk.SayWait(text, "Added.")
	pk.ClickWait("Send", "Your answer in RFI-2026-000001 was relayed")
}

// Send pressed twice on a reply or an answer: the second press says it was sent already
// (nothing goes out twice), rather than asking to start again. A Send of a cancelled reply
// stays merely stale.
func TestRFISendPressedTwice(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk
	rfiAskUzbekistan(t, pk, "24 hours")
	n.uz2.WaitText("RFI-2026-000001")
	// A reply written and cancelled: its Send is stale, nothing was sent.
	n.uz2.ClickWait("Reply", "Your reply to RFI-2026-000001")
	n.uz2.SayWait("Cancelled by mistake, writing again.", "Added.")
	n.uz2.ClickWait("Cancel", "Cancelled")
	n.uz2.Click("Send")
	n.uz2.WaitToast("This button is no longer valid")

	n.uz2.ClickWait("Reply", "Your reply to RFI-2026-000001")
	n.uz2.SayWait("No record of that seal.", "Added.")
	n.uz2.ClickWait("Send", "Your reply in RFI-2026-000001 was relayed")
	n.uz2.ClickWait("Send", "Your message in RFI-2026-000001 has already been sent. It was not sent a second time.")
	pk.WaitText("No record of that seal.")

	rfiAnswerBack(t, pk, "Thank you.")
	pk.ClickWait("Send", "Your message in RFI-2026-000001 has already been sent")
	var replies, answers int
	if err := h.Store.DB.Get(&replies, `SELECT count(*) FROM rfi_messages WHERE kind = 'reply'`); err != nil || replies != 1 {
		t.Errorf("%d replies stored (%v), want 1", replies, err)
	}
	if err := h.Store.DB.Get(&answers, `SELECT count(*) FROM rfi_messages WHERE kind = 'answer'`); err != nil || answers != 1 {
		t.Errorf("%d answers stored (%v), want 1", answers, err)
	}
}

// Photos picked together (an album) get one "Added." and are all kept.
func TestRFIAlbumAnsweredOnce(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	pk := n.pk
	pk.SayWait("/ask", "Whom do you ask?")
	pk.Click("Uzbekistan")
	pk.ClickWait("Next →", "Write your request")
	before := pk.Count("Added.")
	pk.SendAlbum(3, "seals")
	pk.WaitCount("Added.", before+1)
	pk.SayWait("Was the container released?", "Added.")
	pk.ClickWait("Done", "How urgent") // handled after all of the above: the count is final
	if got := pk.Count("Added.") - before; got != 2 {
		t.Errorf("%d answers to an album of 3 and a text, want 2", got)
	}
	pk.ClickWait("Urgent", "By when")
	pk.ClickWait("24 hours", "Is this about an alert?")
	pk.ClickWait("Skip", "Check your request")
	review, _ := pk.LastMessage()
	if !strings.Contains(review.Plain(), "3 files attached") {
		t.Errorf("review %q does not count 3 files", review.Plain())
	}
}

// A request's text is labelled with the language it was written in: an officer whose
// interface is English writing in Cyrillic is labelled by the script, since English is not
// written in it ("written in Cyrillic script"), not as "written in English".
func TestRFITextLabelledByScript(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	pk := n.pk
	pk.SayWait("/ask", "Whom do you ask?")
	pk.Click("Georgia")
	pk.ClickWait("Next →", "Write your request")
	pk.SayWait("Контейнер MSCU1234565 прибыл в Поти?", "Added.")
	pk.ClickWait("Done", "How urgent")
	pk.ClickWait("Routine", "By when")
	pk.ClickWait("24 hours", "Is this about an alert?")
	pk.ClickWait("Skip", "Check your request")
	pk.ClickWait("Send", "Request RFI-2026-000001 sent")
	got := n.ge.WaitText("Request for information RFI-2026-000001")
	if !strings.Contains(got.Plain(), "(written in Cyrillic script)") || strings.Contains(got.Plain(), "written in English") {
		t.Errorf("request not labelled by its script: %q", got.Plain())
	}
}
