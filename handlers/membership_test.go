package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// --- helpers ---

// outsiderQuiet is how long someone outside the network waits for their next answer.
const outsiderQuiet = 10 * time.Minute

func seedMember(t *testing.T, h *bottest.Harness, uid int64, name, role, state, lang, country string) int64 {
	t.Helper()
	m := store.Member{TelegramUserID: uid, DisplayName: name, Role: role, State: state, Language: lang, Agency: "customs"}
	if country != "" {
		m.Country = &country
	}
	id, err := store.InsertMember(context.Background(), h.Store.DB, m)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// memberID finds a member, waiting for one the bot is still creating (admins at start-up).
func memberID(t *testing.T, h *bottest.Harness, uid int64) int64 {
	t.Helper()
	deadline := time.Now().Add(bottest.Wait)
	for {
		m, err := store.MemberByTelegramID(context.Background(), h.Store.DB, uid)
		if err == nil {
			return m.ID
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newInvite(t *testing.T, h *bottest.Harness, createdBy *int64, ttl time.Duration) string {
	t.Helper()
	code, _, err := members.CreateInvite(context.Background(), h.Store,
		members.InviteSpec{Country: "KZ", Role: store.RoleFocalPoint, Agency: "customs", TTL: ttl}, createdBy, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// expect waits for a bot message containing substr.
func expect(t *testing.T, u interface {
	WaitForText(string, time.Duration) (telegramtest.Message, error)
}, substr string) telegramtest.Message {
	t.Helper()
	m, err := u.WaitForText(substr, bottest.Wait)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// next sends something and waits for the bot's next message in that chat.
func next(t *testing.T, u *bottest.Person, do func()) telegramtest.Message {
	t.Helper()
	before := len(u.Messages())
	do()
	msgs, err := u.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return len(ms) > before })
	if err != nil {
		t.Fatal(err)
	}
	return msgs[len(msgs)-1]
}

// askAccess presses the Request access button (its label in the person's language), is asked
// who they are (one line of at most 200 characters, no buttons), and answers with line: the
// request is on record, with the line.
func askAccess(t *testing.T, h *bottest.Harness, u *bottest.Person, button, line string) {
	t.Helper()
	before := len(u.Messages())
	u.Click(button)
	msgs, err := u.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return len(ms) > before })
	if err != nil {
		t.Fatal(err)
	}
	if ask := msgs[len(msgs)-1]; len(ask.Buttons()) != 0 || !strings.Contains(ask.Plain(), "200") {
		t.Fatalf("after %q: %q %+v", button, ask.Plain(), ask.Buttons())
	}
	next(t, u, func() { u.Say(line) }) // "your request was sent"
	m, err := store.MemberByTelegramID(context.Background(), h.Store.DB, u.ID())
	if err != nil || m.State != store.StatePending || m.AccessNote != line {
		t.Fatalf("after %q: request on record %+v, %v", line, m, err)
	}
}

func auditCount(t *testing.T, h *bottest.Harness, action string, subject *int64) int {
	t.Helper()
	var n int
	err := h.Store.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND ($2::bigint IS NULL OR subject_id = $2)`, action, subject)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// --- registration ---

// Registration with an invitation runs end to end in Russian, Kazakh, English and Pashto: the
// picker is preselected from Telegram's language_code, the choice switches the conversation,
// HTML in the name is shown as text, and the admins are told through the outbox.
func TestRegistrationInFourLanguages(t *testing.T) {
	t.Parallel()
	const adminUID = 700
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	adminID := memberID(t, h, adminUID)
	tests := []struct {
		uid                                        int64
		tgLang, preselected, pickPrompt, choose    string
		askName, askUnit, confirm, done, menuEntry string
	}{
		{701, "ru-RU", "ru", "Выберите язык", "ru", "Напишите своё имя", "подразделение", "Проверьте свои данные", "теперь вы участник сети", "Выбрать язык"},
		{702, "en", "en", "Choose the language", "kk", "атыңызды жазыңыз", "Бөлімшеңізді", "Деректеріңізді тексеріңіз", "енді сіз желінің қатысушысысыз", "Тілді таңдау"},
		{703, "en-US", "en", "Choose the language", "en", "Type your name", "Type your unit", "Please check your details", "you are now a member", "Choose your language"},
		{704, "ps", "ps", "ژبه وټاکئ", "ps", "خپل نوم", "د کار ځای", "خپل معلومات وګورئ", "اوس تاسو د شبکې غړي یاست", "خپله ژبه وټاکئ"},
	}
	for _, tt := range tests {
		t.Run(tt.choose, func(t *testing.T) {
			u := h.Person(tt.uid, "Aidar", tt.tgLang)
			code := newInvite(t, h, &adminID, 72*time.Hour)
			picker := next(t, u, func() { u.SendText("/start " + code) })
			if !strings.Contains(picker.Plain(), tt.pickPrompt) {
				t.Fatalf("picker %q lacks %q", picker.Plain(), tt.pickPrompt)
			}
			if _, ok := picker.Button("✓ " + i18n.NativeName(tt.preselected)); !ok {
				t.Errorf("%s not preselected: %+v", tt.preselected, picker.Buttons())
			}
			u.ClickOn(picker.ID, "reg:lang:"+tt.choose)
			u.WaitText(tt.askName)
			u.SendText("<b>Aidar</b> & Co")
			u.WaitText(tt.askUnit)
			u.SendText("PCU Aktau")
			confirm := u.WaitText(tt.confirm)
			if !strings.Contains(confirm.Text, "&lt;b&gt;Aidar&lt;/b&gt; &amp; Co") || !strings.Contains(confirm.Plain(), "<b>Aidar</b> & Co") {
				t.Errorf("name not escaped: %q", confirm.Text)
			}
			if !strings.Contains(confirm.Plain(), i18n.CountryName(tt.choose, "KZ")) {
				t.Errorf("country not in %s: %q", tt.choose, confirm.Plain())
			}
			u.ClickOn(confirm.ID, "reg:ok")
			u.WaitText(tt.done)

			m, err := store.MemberByTelegramID(context.Background(), h.Store.DB, tt.uid)
			if err != nil {
				t.Fatal(err)
			}
			if m.State != store.StateActive || m.Language != tt.choose || m.Role != store.RoleFocalPoint ||
				m.Country == nil || *m.Country != "KZ" || m.Unit != "PCU Aktau" || m.ApprovedBy == nil || *m.ApprovedBy != adminID {
				t.Errorf("member = %+v", m)
			}
			admin.WaitText("New member")
			if got := h.TG.Commands(fmt.Sprintf("chat:%d", tt.uid), ""); !hasCommand(got, "language", tt.menuEntry) || hasCommand(got, "invite", "") || hasCommand(got, "broadcast", "") {
				t.Errorf("member menu = %+v", got)
			}
			// Pressing Confirm again does nothing harmful.
			u.ClickOn(confirm.ID, "reg:ok")
			if auditCount(t, h, "member_registered", &m.ID) != 1 {
				t.Errorf("registered twice")
			}
		})
	}
	// The outsider's default menu has no admin or member-only commands; the admin's chat menu has them.
	if def := h.TG.Commands("default", ""); !hasCommand(def, "start", "") || hasCommand(def, "members", "") {
		t.Errorf("default menu = %+v", def)
	}
	if ps := h.TG.Commands("default", "ps"); !hasCommand(ps, "language", "خپله ژبه وټاکئ") {
		t.Errorf("Pashto default menu = %+v", ps)
	}
	// Admins can do what analysts do: /broadcast and /broadcasts are in their menu too.
	if am := h.TG.Commands(fmt.Sprintf("chat:%d", adminUID), ""); !hasCommand(am, "invite", "") || !hasCommand(am, "members", "") ||
		!hasCommand(am, "broadcast", "A message to the network or a part of it") || !hasCommand(am, "broadcasts", "") {
		t.Errorf("admin menu = %+v", am)
	}
}

func hasCommand(cmds []telegramtest.Command, name, desc string) bool {
	for _, c := range cmds {
		if c.Command == name && (desc == "" || c.Description == desc) {
			return true
		}
	}
	return false
}

// Unknown, malformed, expired and reused codes all get the same refusal; five failures within an
// hour lock the person out (even with a valid code, and across a restart) until the hour is over.
func TestInviteCodesBadInputAndLockout(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register, 710)
	const invalid = "not valid"

	// Reused: the first person registers; a second person cannot use the code; the first
	// may reopen the link while their registration is not complete.
	first, second := h.Person(711, "First", "en"), h.Person(712, "Second", "en")
	code := newInvite(t, h, nil, 24*time.Hour)
	first.SendText("/start " + code)
	first.WaitText("Choose the language")
	if m := next(t, second, func() { second.SendText("/start " + code) }); !strings.Contains(m.Plain(), invalid) {
		t.Errorf("second user of a code: %q", m.Plain())
	}
	picker := next(t, first, func() { first.SendText("/start " + code) })
	first.ClickOn(picker.ID, "reg:lang:en")
	first.WaitText("Type your name")
	first.SendText("First Person")
	first.WaitText("Type your unit")
	first.SendText("Customs HQ")
	first.ClickOn(first.WaitText("Please check").ID, "reg:ok")
	first.WaitText("you are now a member")
	if m := next(t, first, func() { first.SendText("/start " + code) }); !strings.Contains(m.Plain(), "already a member") {
		t.Errorf("member reopening link: %q", m.Plain())
	}

	// Expired.
	late := h.Person(713, "Late", "en")
	expired := newInvite(t, h, nil, time.Hour)
	h.Advance(61 * time.Minute)
	if m := next(t, late, func() { late.SendText("/start " + expired) }); !strings.Contains(m.Plain(), invalid) {
		t.Errorf("expired code: %q", m.Plain())
	}

	// Guessing: four more failures (five in all) lock the guesser out.
	guesser := late
	for i, c := range []string{"AAAAAAAAAAAAAAAAAAAAAAAA", "<script>", strings.Repeat("x", 80), "Zm9vYmFyYmF6cXV4"} {
		m := next(t, guesser, func() { guesser.SendText("/start " + c) })
		want := invalid
		if i == 3 {
			want = "Too many invalid"
		}
		if !strings.Contains(m.Plain(), want) {
			t.Errorf("guess %d: %q, want %q", i+2, m.Plain(), want)
		}
	}
	good := newInvite(t, h, nil, 72*time.Hour)
	if m := next(t, guesser, func() { guesser.SendText("/start " + good) }); !strings.Contains(m.Plain(), "Too many invalid") {
		t.Errorf("locked out guesser with a valid code: %q", m.Plain())
	}
	h.Restart()
	if m := next(t, guesser, func() { guesser.SendText("/start " + good) }); !strings.Contains(m.Plain(), "Too many invalid") {
		t.Errorf("lockout forgotten by a restart: %q", m.Plain())
	}
	h.Advance(61 * time.Minute)
	if m := next(t, guesser, func() { guesser.SendText("/start " + good) }); !strings.Contains(m.Plain(), "Choose the language") {
		t.Errorf("after the hour: %q", m.Plain())
	}
	if n := auditCount(t, h, "invite_failed", nil); n != 6 {
		t.Errorf("invite_failed audit rows = %d, want 6", n)
	}
	var stored int
	if err := h.Store.DB.Get(&stored, `SELECT count(*) FROM invites WHERE code_hash = $1`, store.HashInviteCode(good)); err != nil || stored != 1 {
		t.Errorf("invite stored by hash: %d %v", stored, err)
	}
	var plain int
	if err := h.Store.DB.Get(&plain, `SELECT count(*) FROM invites WHERE encode(code_hash, 'escape') LIKE '%' || $1 || '%'`, good); err != nil || plain != 0 {
		t.Errorf("code stored in plain text")
	}
}

// A name or unit over 64 characters, or blank, is refused in the person's language and asked
// again; exactly 64 is accepted.
func TestRegistrationRefusesLongAndEmptyText(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	u := h.Person(720, "Long", "ru")
	picker := next(t, u, func() { u.SendText("/start " + newInvite(t, h, nil, time.Hour)) })
	u.ClickOn(picker.ID, "reg:lang:ru")
	u.WaitText("Напишите своё имя")
	for _, bad := range []string{strings.Repeat("Я", 65), "   "} {
		if m := next(t, u, func() { u.SendText(bad) }); !strings.Contains(m.Plain(), "не более 64 символов") {
			t.Errorf("%q: %q", bad, m.Plain())
		}
	}
	name := strings.Repeat("Ж", 64)
	if m := next(t, u, func() { u.SendText(name) }); !strings.Contains(m.Plain(), "подразделение") {
		t.Errorf("64 characters refused: %q", m.Plain())
	}
}

// --- access requests ---

// An outsider asks for access; one admin approves, the other admin pressing later is told who
// decided, and the person is told. Another outsider is rejected, told so, and cannot ask again.
func TestRequestAccessApproveAndReject(t *testing.T) {
	t.Parallel()
	const a1, a2 = 730, 731
	h := bottest.Start(t, handlers.Register, a1, a2)
	memberID(t, h, a1)
	if _, err := h.Store.DB.Exec(`UPDATE members SET display_name = 'Admin One' WHERE telegram_user_id = $1`, a1); err != nil {
		t.Fatal(err)
	}
	admin1, admin2 := h.Person(a1, "A1", "en"), h.Person(a2, "A2", "ru")
	admin2.SendText("/start") // the bot learns admin 2's language from Telegram
	admin2.WaitText("Здравствуйте")

	out := h.Person(732, "Olzhas", "ru")
	m := next(t, out, func() { out.SendText("/start") })
	if !strings.Contains(m.Plain(), "закрытую сеть") {
		t.Fatalf("outsider /start: %q", m.Plain())
	}
	out.Click("Запросить доступ")
	if q := out.WaitNew("кто вы"); len(q.Buttons()) != 0 {
		t.Errorf("the question has buttons: %+v", q.Buttons())
	}
	if mm, _ := out.Message(m.ID); len(mm.Buttons()) != 0 {
		t.Errorf("the pressed Request access button is still there: %+v", mm.Buttons())
	}
	out.Say("Олжас Сериков, инспектор, таможенный пост <Нур Жолы>")
	out.WaitNew("запрос передан администраторам")
	out.ClickData(m.ID, "join") // a second press, on a copy of the button
	out.WaitToast("уже передан")
	req1 := admin1.WaitText("Request for access")
	admin2.WaitText("Запрос доступа")
	if !strings.Contains(req1.Plain(), "732") {
		t.Errorf("request lacks the Telegram ID: %q", req1.Plain())
	}
	if !strings.Contains(req1.Plain(), "Who and which unit (in their words): Олжас Сериков, инспектор, таможенный пост <Нур Жолы>") ||
		!strings.Contains(req1.Text, "&lt;Нур Жолы&gt;") {
		t.Errorf("request lacks what the visitor wrote, escaped: %q", req1.Text)
	}
	admin1.Click("Approve")
	admin1.WaitText("Olzhas is now a member")
	out.WaitText("Ваш запрос одобрен")
	admin2.Click("Одобрить")
	admin2.WaitText("уже одобрил(а) Admin One")
	pending := memberID(t, h, 732)
	if n := auditCount(t, h, "access_approved", &pending); n != 1 {
		t.Errorf("approvals = %d", n)
	}

	rej := h.Person(733, "Eve", "en")
	rej.SendText("/start")
	closed := rej.WaitText("closed network")
	askAccess(t, h, rej, "Request access", "Eve, port control unit Poti")
	admin1.WaitText("Eve")
	admin1.Click("Reject")
	admin1.WaitText("The request of Eve was rejected")
	rej.WaitText("was not approved")
	h.Advance(outsiderQuiet) // a non-member is answered at most once in ten minutes
	after := next(t, rej, func() { rej.SendText("/start") })
	if !strings.Contains(after.Plain(), "closed network") || len(after.Buttons()) != 0 {
		t.Errorf("rejected /start: %q %+v", after.Plain(), after.Buttons())
	}
	h.Advance(outsiderQuiet)
	if m := next(t, rej, func() { rej.ClickData(closed.ID, "join") }); !strings.Contains(m.Plain(), "closed network") {
		t.Errorf("rejected person asking again: %q", m.Plain())
	}
	if id := memberID(t, h, 733); auditCount(t, h, "access_refused", &id) != 1 {
		t.Errorf("refusal not audited")
	}
}

// Two admins press Approve on the same request at the same moment: exactly one wins, the other
// is told who decided.
func TestTwoAdminsApproveAtOnce(t *testing.T) {
	t.Parallel()
	const a1, a2 = 740, 741
	h := bottest.Start(t, handlers.Register, a1, a2)
	admin1, admin2 := h.Person(a1, "A1", "en"), h.Person(a2, "A2", "en")
	const requests = 5
	for i := int64(0); i < requests; i++ {
		u := h.Person(750+i, fmt.Sprint("Person", i), "en")
		u.SendText("/start")
		u.WaitText("closed network")
		askAccess(t, h, u, "Request access", fmt.Sprint("Person", i, ", customs"))
		id := memberID(t, h, 750+i)
		data := fmt.Sprintf("acc:ok:%d", id)
		find := func(a *bottest.Person) telegramtest.Message {
			msgs, err := a.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
				for _, m := range ms {
					if _, ok := m.Button("Approve"); ok && strings.Contains(m.Plain(), fmt.Sprint(750+i)) {
						return true
					}
				}
				return false
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if strings.Contains(m.Plain(), fmt.Sprint(750+i)) {
					return m
				}
			}
			panic("unreachable")
		}
		m1, m2 := find(admin1), find(admin2)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); admin1.ClickOn(m1.ID, data) }()
		go func() { defer wg.Done(); admin2.ClickOn(m2.ID, data) }()
		wg.Wait()
		name := fmt.Sprint("Person", i)
		settled := func() bool {
			won, lost := 0, 0
			for _, a := range []*bottest.Person{admin1, admin2} {
				for _, m := range a.Messages() {
					if strings.Contains(m.Plain(), name+" is now a member") {
						won++
					}
					if strings.Contains(m.Plain(), "already approved by") {
						lost++
					}
				}
			}
			return won == 1 && lost == int(i)+1
		}
		if _, err := admin1.WaitFor(bottest.Wait, func([]telegramtest.Message) bool { return settled() }); err != nil {
			t.Fatalf("request %d: one approval and one 'already approved' expected: %v", i, err)
		}
		if n := auditCount(t, h, "access_approved", &id); n != 1 {
			t.Errorf("request %d approved %d times", i, n)
		}
		u.WaitText("Your request was approved")
	}
	wins := 0
	for _, a := range []*bottest.Person{admin1, admin2} {
		for _, m := range a.Messages() {
			if strings.Contains(m.Plain(), "is now a member") {
				wins++
			}
		}
	}
	if wins != requests {
		t.Errorf("%d approvals announced for %d requests", wins, requests)
	}
	already := 0
	for _, a := range []*bottest.Person{admin1, admin2} {
		for _, m := range a.Messages() {
			if strings.Contains(m.Plain(), "already approved by") {
				already++
			}
		}
	}
	if already != requests {
		t.Errorf("%d losers told for %d requests", already, requests)
	}
}

// --- closed network ---

// A suspended member's old buttons, commands, text and conversation get the closed-network
// answer only; their queued deliveries are cancelled and their conversation ended at once.
func TestSuspendedMemberOldButtons(t *testing.T) {
	t.Parallel()
	const adminUID, uid = 760, 761
	h := bottest.Start(t, handlers.Register, adminUID)
	ctx := context.Background()
	id := seedMember(t, h, uid, "Sam", store.RoleAdmin, store.StateActive, "en", "UZ")
	u := h.Person(uid, "Sam", "en")
	langPicker := next(t, u, func() { u.SendText("/language") })
	list := next(t, u, func() { u.SendText("/members") })
	if !strings.Contains(list.Plain(), "Members") {
		t.Fatalf("/members: %q", list.Plain())
	}
	if _, err := delivery.Enqueue(ctx, h.Store.DB, []delivery.Item{{MemberID: id, ChatID: uid, Kind: "access_approved", RefID: id,
		NotBefore: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveConversation(ctx, h.Store.DB, uid, "register", "name", map[string]any{"invite_id": 1}); err != nil {
		t.Fatal(err)
	}
	adminID := memberID(t, h, adminUID)
	if _, err := members.Suspend(ctx, h.Store, &adminID, id, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ConversationOf(ctx, h.Store.DB, uid); err == nil {
		t.Error("conversation survived the suspension")
	}
	if c, err := delivery.CountsFor(ctx, h.Store.DB, "access_approved", id); err != nil || c.Cancelled != 1 || c.Pending != 0 {
		t.Errorf("queued delivery: %+v %v", c, err)
	}
	before := auditCount(t, h, "callback_refused", nil)
	for _, do := range []func(){
		func() { u.ClickOn(list.ID, list.Buttons()[0].CallbackData) },
		func() { u.ClickOn(langPicker.ID, "lang:ru") },
		func() { u.SendText("/members") },
		func() { u.SendText("/language") },
		func() { u.SendText("/start") },
		func() { u.SendText("some text") },
		func() { u.SendText("/frobnicate") },
		func() { u.SendText("/cancel") },
		func() { u.PressForged(list.ID, "reg:ok") },
		func() { u.PressForged(list.ID, "join") },
	} {
		h.Advance(outsiderQuiet) // a non-member is answered at most once in ten minutes
		m := next(t, u, do)
		if !strings.Contains(m.Plain(), "closed network") || len(m.Buttons()) != 0 {
			t.Errorf("suspended member got %q %+v", m.Plain(), m.Buttons())
		}
	}
	if got := auditCount(t, h, "callback_refused", nil) - before; got != 1 {
		t.Errorf("refused admin button audited %d times, want 1", got)
	}
	if m, _ := store.MemberByID(ctx, h.Store.DB, id); m.Language != "en" {
		t.Errorf("suspended member changed language to %q", m.Language)
	}
}

// A focal point and an outsider sending forged admin callbacks are refused, nothing changes,
// and each attempt is in the audit log.
func TestForgedAdminCallbacks(t *testing.T) {
	t.Parallel()
	const adminUID = 770
	h := bottest.Start(t, handlers.Register, adminUID)
	adminID := memberID(t, h, adminUID)
	fp := seedMember(t, h, 771, "Fay", store.RoleFocalPoint, store.StateActive, "en", "TJ")
	u, out := h.Person(771, "Fay", "en"), h.Person(772, "Mal", "en")
	for _, data := range []string{fmt.Sprintf("mem:s:%d", adminID), fmt.Sprintf("mem:r:%d:admin", fp), "inv:x:KZ:admin:customs:72", fmt.Sprintf("acc:ok:%d", fp)} {
		if m := next(t, u, func() { u.PressForged(1, data) }); !strings.Contains(m.Plain(), "not available for your role") {
			t.Errorf("focal point %s: %q", data, m.Plain())
		}
		h.Advance(outsiderQuiet) // a non-member is answered at most once in ten minutes
		if m := next(t, out, func() { out.PressForged(1, data) }); !strings.Contains(m.Plain(), "closed network") {
			t.Errorf("outsider %s: %q", data, m.Plain())
		}
	}
	var rows []struct {
		Actor *int64 `db:"actor_id"`
		After string `db:"after"`
	}
	if err := h.Store.DB.Select(&rows, `SELECT actor_id, after::text AS after FROM audit_log WHERE action = 'callback_refused' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("audit rows = %d, want 8", len(rows))
	}
	if rows[0].Actor == nil || *rows[0].Actor != fp || !strings.Contains(rows[0].After, "mem:s:") || rows[1].Actor != nil || !strings.Contains(rows[1].After, "772") {
		t.Errorf("audit rows: %+v", rows[:2])
	}
	m, err := store.MemberByID(context.Background(), h.Store.DB, fp)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.MemberByID(context.Background(), h.Store.DB, adminID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Role != store.RoleFocalPoint || a.State != store.StateActive {
		t.Errorf("forged callbacks changed something: %+v %+v", m, a)
	}
	var invites int
	if err := h.Store.DB.Get(&invites, `SELECT count(*) FROM invites`); err != nil {
		t.Fatal(err)
	}
	if invites != 0 {
		t.Errorf("forged callback created an invite")
	}
	// An admin's own forged data (an unknown member, a made-up role) is refused and audited too.
	admin := h.Person(adminUID, "Ann", "en")
	for _, data := range []string{"mem:s:999999", "mem:r:1:boss", "inv:x:XX:admin:customs:72", "acc:maybe:1"} {
		admin.PressForged(1, data)
	}
	deadline := time.Now().Add(bottest.Wait)
	for auditCount(t, h, "callback_forged", nil) < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := auditCount(t, h, "callback_forged", nil); n != 4 {
		t.Errorf("forged admin data audited %d times, want 4", n)
	}
}

// Added to a group, the bot says once that it works in private chats only and leaves; other
// group traffic is ignored.
func TestGroupAddLeaves(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	u := h.Person(780, "Gus", "ru")
	g := h.TG.Group(-1001234, "Customs chat")
	h.TG.AddBotToGroup(g.ChatID(), u.ID())
	expect(t, g, "только в личных чатах")
	deadline := time.Now().Add(bottest.Wait)
	for len(h.TG.LeftChats()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := h.TG.LeftChats(); len(left) != 1 || left[0] != g.ChatID() {
		t.Fatalf("left chats = %v", left)
	}
	other := h.TG.Group(-555, "Other group")
	other.SendText(u.User, "/start")
	h.WaitIdle()
	if n := len(other.Messages()); n != 0 {
		t.Errorf("bot answered in a group it is not in: %d messages", n)
	}
	if n := len(g.Messages()); n != 1 {
		t.Errorf("group messages = %d, want exactly 1", n)
	}
}

// Traffic from a group the bot is in without having been added in its sight (the update
// missed, or its leaveChat failed) gets the notice once and another attempt to leave: once
// holds across a restart while leaving keeps failing, and a button pressed there is answered.
func TestGroupStrayLeaves(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	u := h.Person(781, "Gus", "ru")
	g := h.TG.Group(-1001235, "Customs chat")
	h.TG.PutBotInGroup(g.ChatID())
	h.TG.FailNextOn("leaveChat", 2, 400)
	g.SendText(u.User, "hello")
	expect(t, g, "только в личных чатах")
	h.WaitIdle()
	h.Restart()
	g.SendText(u.User, "/start")
	h.WaitIdle()
	if left := h.TG.LeftChats(); len(left) != 0 {
		t.Fatalf("left chats = %v while leaveChat fails", left)
	}
	g.SendText(u.User, "anyone?")
	deadline := time.Now().Add(bottest.Wait)
	for len(h.TG.LeftChats()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := h.TG.LeftChats(); len(left) != 1 || left[0] != g.ChatID() {
		t.Fatalf("left chats = %v", left)
	}
	h.WaitIdle()
	if n := len(g.Messages()); n != 1 {
		t.Errorf("group messages = %d, want exactly 1", n)
	}
	if n := h.TG.CallCount("leaveChat"); n != 3 {
		t.Errorf("leaveChat called %d times, want 3", n)
	}
}

// A change of role or state made outside the bot (focalbot members set-role, suspend,
// reactivate call bot/members) reaches the member's command menu within seconds, without a
// /start: made an analyst, they get /broadcast; suspended, their chat menu goes (the
// outsider's shows); reactivated, it is back.
func TestMenuFollowsCommandLineChanges(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const uid = 783
	id := seedMember(t, h, uid, "Marat", store.RoleFocalPoint, store.StateActive, "en", "KZ")
	ctx, scope := context.Background(), fmt.Sprintf("chat:%d", uid)
	waitMenu := func(what string, ok func([]telegramtest.Command) bool) {
		t.Helper()
		deadline := time.Now().Add(bottest.Wait)
		for !ok(h.TG.Commands(scope, "")) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: chat menu is %v", what, h.TG.Commands(scope, ""))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := members.SetRole(ctx, h.Store, nil, id, store.RoleAnalyst, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	waitMenu("made analyst", func(c []telegramtest.Command) bool { return hasCommand(c, "broadcast", "") })
	if _, err := members.Suspend(ctx, h.Store, nil, id, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	waitMenu("suspended", func(c []telegramtest.Command) bool { return len(c) == 0 })
	if _, err := members.Reactivate(ctx, h.Store, nil, id, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	waitMenu("reactivated", func(c []telegramtest.Command) bool { return hasCommand(c, "broadcast", "") })
	if n := h.TG.CallCount("sendMessage"); n != 1 { // "your access is back", nothing else
		t.Errorf("messages sent = %d, want 1", n)
	}
}

// --- administration ---

// /members pages through members with buttons and filters them; the card changes role and
// country, suspends and reactivates, each audited; an admin cannot suspend themselves.
func TestMembersListAndCard(t *testing.T) {
	t.Parallel()
	const adminUID = 790
	h := bottest.Start(t, handlers.Register, adminUID)
	for i := int64(0); i < 18; i++ {
		country := []string{"KZ", "AF", "GE"}[i%3]
		seedMember(t, h, 791+i, fmt.Sprintf("Member %02d", i), store.RoleFocalPoint, store.StateActive, "en", country)
	}
	seedMember(t, h, 850, "Susan Suspended", store.RoleObserver, store.StateSuspended, "en", "")
	admin := h.Person(adminUID, "Ann", "en")
	list := next(t, admin, func() { admin.SendText("/members") })
	if !strings.Contains(list.Plain(), "Found: 19") || !strings.Contains(list.Plain(), "Page: 1 / 3") {
		t.Fatalf("list: %q", list.Plain())
	}
	admin.Click("Next page")
	if _, err := admin.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		return strings.Contains(ms[len(ms)-1].Plain(), "Page: 2 / 3")
	}); err != nil {
		t.Fatal(err)
	}
	admin.Click("Next page")
	page3, err := admin.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return strings.Contains(ms[len(ms)-1].Plain(), "Page: 3 / 3") })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := page3[len(page3)-1].Button("Next page"); ok {
		t.Error("last page offers a next page")
	}
	if len(admin.Messages()) != 1 {
		t.Errorf("paging sent new messages instead of editing: %d", len(admin.Messages()))
	}
	// Filter: state active → pending; role; country cycles to Afghanistan.
	admin.Click("Country: all")
	if _, err := admin.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		p := ms[len(ms)-1].Plain()
		return strings.Contains(p, "Country: Afghanistan") && strings.Contains(p, "Found: 6")
	}); err != nil {
		t.Fatal(err)
	}
	admin.Click("Member 01 (Afghanistan)")
	card := admin.WaitText("Telegram ID")
	if !strings.Contains(card.Plain(), "792") || !strings.Contains(card.Plain(), "focal point") {
		t.Fatalf("card: %q", card.Plain())
	}
	target := memberID(t, h, 792)
	admin.Click("Change role")
	admin.WaitText("New role for Member 01")
	admin.Click("analyst")
	admin.WaitText("Role: analyst")
	admin.Click("Change country")
	admin.WaitText("New country for Member 01")
	admin.Click("Georgia")
	admin.WaitText("Country: Georgia")
	// Member 01 has a chat with the bot, so the notice of their reactivation reaches them: were
	// it refused, the admins would be told in a message of its own, at a moment that depends
	// on the machine's load.
	m01 := h.Person(792, "Member 01", "en")
	admin.Click("Suspend")
	admin.WaitText("State: suspended")
	admin.Click("Reactivate")
	admin.WaitText("State: active")
	m01.WaitText("access to the network has been restored")
	h.WaitIdle()
	for _, action := range []string{"role_changed", "country_changed", "member_suspended", "member_reactivated"} {
		if n := auditCount(t, h, action, &target); n != 1 {
			t.Errorf("%s audited %d times", action, n)
		}
	}
	m, _ := store.MemberByID(context.Background(), h.Store.DB, target)
	if m.Role != store.RoleAnalyst || *m.Country != "GE" || m.State != store.StateActive {
		t.Errorf("member after card actions: %+v", m)
	}
	if ms := admin.Messages(); len(ms) != 1 {
		t.Errorf("card actions sent %d messages, want edits of one; the last: %q", len(ms), ms[len(ms)-1].Plain())
	}
	// The admin's own card: no self-suspension.
	self := memberID(t, h, adminUID)
	admin.PressForged(admin.Messages()[0].ID, fmt.Sprintf("mem:s:%d", self))
	admin.WaitToast("cannot change your own")
	if a, _ := store.MemberByID(context.Background(), h.Store.DB, self); a.State != store.StateActive {
		t.Error("admin suspended themselves")
	}
}

// /invite in the bot: country, role, agency and lifetime by buttons; the link it gives works.
func TestInviteInBot(t *testing.T) {
	t.Parallel()
	const adminUID = 860
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "ru")
	admin.SendText("/invite")
	admin.WaitText("Из какой страны")
	admin.Click("Кыргызстан")
	admin.WaitText("Какая роль")
	admin.Click("контактное лицо")
	admin.WaitText("В каком ведомстве")
	admin.Click("группа портового контроля")
	admin.WaitText("Сколько времени")
	admin.Click("72 часа")
	done := admin.WaitText("Приглашение создано")
	link := ""
	for _, line := range strings.Split(done.Plain(), "\n") {
		if strings.HasPrefix(line, "https://t.me/"+h.TG.BotUsername()+"?start=") {
			link = line
		}
	}
	code := strings.TrimPrefix(link, "https://t.me/"+h.TG.BotUsername()+"?start=")
	if len(code) < 22 || len(code) > 64 {
		t.Fatalf("no link in %q", done.Plain())
	}
	if adminID := memberID(t, h, adminUID); auditCount(t, h, "invite_created", nil) != 1 {
		t.Errorf("invite not audited (admin %d)", adminID)
	}
	u := h.Person(861, "Kan", "ky")
	picker := next(t, u, func() { u.SendText("/start " + code) })
	u.ClickOn(picker.ID, "reg:lang:ru")
	u.WaitText("Напишите своё имя")
	u.SendText("Канат")
	u.WaitText("подразделение")
	u.SendText("ГПК Бишкек")
	c := u.WaitText("Проверьте")
	if !strings.Contains(c.Plain(), "Кыргызстан") || !strings.Contains(c.Plain(), "группа портового контроля") {
		t.Errorf("confirmation: %q", c.Plain())
	}
}

// /language works for outsiders (kept across restarts) and members (stored, menu follows).
func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	out := h.Person(870, "Out", "de")
	picker := next(t, out, func() { out.SendText("/language") })
	if _, ok := picker.Button("✓ English"); !ok {
		t.Errorf("picker: %+v", picker.Buttons())
	}
	if _, ok := picker.Button("پښتو"); !ok {
		t.Errorf("Pashto not offered in its own name: %+v", picker.Buttons())
	}
	out.ClickOn(picker.ID, "lang:kk")
	out.WaitText("Енді бот сізбен мына тілде сөйлеседі: Қазақша")
	h.Restart()
	if m := next(t, out, func() { out.SendText("/help") }); !strings.Contains(m.Plain(), "шақырылған қызметкерлер") {
		t.Errorf("outsider's language lost: %q", m.Plain())
	}

	id := seedMember(t, h, 871, "Mem", store.RoleFocalPoint, store.StateActive, "en", "UA")
	mem := h.Person(871, "Mem", "en")
	picker = next(t, mem, func() { mem.SendText("/language") })
	mem.ClickOn(picker.ID, "lang:ps")
	mem.WaitText("پښتو")
	if m, _ := store.MemberByID(context.Background(), h.Store.DB, id); m.Language != "ps" {
		t.Errorf("member language = %q", m.Language)
	}
	if got := h.TG.Commands("chat:871", ""); !hasCommand(got, "language", "خپله ژبه وټاکئ") {
		t.Errorf("member menu not in Pashto: %+v", got)
	}
}

// An observer submits nothing: /help and the command menu offer them no /alert, /ask or
// /poststatus (they used to, and each answered "not available for your role"), while a focal
// point's still do.
func TestObserverIsOfferedOnlyWhatTheyCanUse(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const observer, fp = 8801, 8802
	netSeed(t, h,
		netPerson{observer, "Olivia", "en", store.RoleObserver, "", "unodc"},
		netPerson{fp, "Firuz", "en", store.RoleFocalPoint, "TJ", "customs"},
	)
	o, f := h.Person(observer, "Olivia", "en"), h.Person(fp, "Firuz", "en")
	submit := []string{"alert", "ask", "poststatus"}

	o.SendText("/start")
	f.SendText("/start")
	o.SendText("/help")
	help := o.WaitText("/status — ")
	for _, c := range submit {
		if strings.Contains(help.Plain(), "/"+c+" ") {
			t.Errorf("observer's help offers /%s: %q", c, help.Plain())
		}
	}
	for _, c := range []string{"/alerts", "/find", "/directory", "/subscriptions", "/language"} {
		if !strings.Contains(help.Plain(), c+" ") {
			t.Errorf("observer's help lacks %s: %q", c, help.Plain())
		}
	}
	f.SendText("/help")
	if fh := f.WaitText("/status — "); !strings.Contains(fh.Plain(), "/alert ") || !strings.Contains(fh.Plain(), "/poststatus ") {
		t.Errorf("focal point's help lacks /alert or /poststatus: %q", fh.Plain())
	}

	netEventually(t, "menus set", func() bool {
		return hasCommand(h.TG.Commands(fmt.Sprintf("chat:%d", observer), ""), "status", "") &&
			hasCommand(h.TG.Commands(fmt.Sprintf("chat:%d", fp), ""), "status", "")
	})
	om, fm := h.TG.Commands(fmt.Sprintf("chat:%d", observer), ""), h.TG.Commands(fmt.Sprintf("chat:%d", fp), "")
	for _, c := range submit {
		if hasCommand(om, c, "") {
			t.Errorf("observer's menu has /%s", c)
		}
		if !hasCommand(fm, c, "") {
			t.Errorf("focal point's menu lacks /%s", c)
		}
	}

	// Typed anyway, they are still refused.
	o.SendText("/ask")
	o.WaitText("not available for your role")
}

// A reactivated member is told, in their language, whether an admin reactivated them with
// the card in the bot or from the CLI; a member reactivated twice is told twice.
func TestReactivatedMemberIsTold(t *testing.T) {
	t.Parallel()
	const adminUID = 870
	h := bottest.Start(t, handlers.Register, adminUID)
	ctx := context.Background()
	uz := seedMember(t, h, 871, "Dilshod", store.RoleFocalPoint, store.StateSuspended, "uz", "UZ")
	ru := seedMember(t, h, 872, "Olga", store.RoleFocalPoint, store.StateUnreachable, "ru", "KZ")
	dilshod, olga := h.Person(871, "Dilshod", "uz"), h.Person(872, "Olga", "ru")
	const restoredUZ = "Tarmoqqa kirish huquqingiz tiklandi."

	// The CLI path (nil actor).
	for _, id := range []int64{uz, ru} {
		if _, err := members.Reactivate(ctx, h.Store, nil, id, h.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	dilshod.WaitText(restoredUZ)
	olga.WaitText("Ваш доступ к сети восстановлен. Отправьте /help")

	// The admin's card: suspended again, then reactivated again.
	admin := h.Person(adminUID, "Ann", "en")
	list := next(t, admin, func() { admin.SendText("/members") })
	admin.ClickOn(list.ID, fmt.Sprintf("mem:c:%d", uz))
	admin.WaitText("Telegram ID")
	admin.Click("Suspend")
	admin.WaitText("State: suspended")
	admin.Click("Reactivate")
	admin.WaitText("State: active")
	if _, err := dilshod.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		n := 0
		for _, m := range ms {
			if strings.Contains(m.Plain(), restoredUZ) {
				n++
			}
		}
		return n == 2
	}); err != nil {
		t.Fatalf("second reactivation not told: %v", err)
	}
	var rows int
	if err := h.Store.DB.Get(&rows, `SELECT count(*) FROM outbox WHERE member_id = $1 AND kind = 'access_restored'`, uz); err != nil || rows != 2 {
		t.Errorf("%d reactivation notices queued (%v), want 2", rows, err)
	}
}

// An outsider may ask for access wherever they first meet the bot: under /help and under the
// answer to free text or an unknown command, as under /start. Someone whose request is on
// record (pending) is not offered it again.
func TestOutsiderHelpAndFreeTextOfferAccess(t *testing.T) {
	t.Parallel()
	const adminUID = 880
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	tests := []struct {
		uid        int64
		lang, text string
		want, btn  string
	}{
		{881, "en", "/help", "Only invited officials", "Request access"},
		{882, "ru", "здравствуйте, как подключиться?", "закрытую сеть", "Запросить доступ"},
		{883, "en", "/frobnicate", "closed network", "Request access"},
	}
	for _, tt := range tests {
		u := h.Person(tt.uid, "Out", tt.lang)
		m := next(t, u, func() { u.SendText(tt.text) })
		if !strings.Contains(m.Plain(), tt.want) {
			t.Errorf("%d %q: answer %q", tt.uid, tt.text, m.Plain())
		}
		if _, ok := m.Button(tt.btn); !ok {
			t.Fatalf("%d %q: no %q button: %+v", tt.uid, tt.text, tt.btn, m.Buttons())
		}
		askAccess(t, h, u, tt.btn, "Officer, customs post")
		admin.WaitText(fmt.Sprint(tt.uid)) // the request reached the admins
		pending, err := store.MemberByTelegramID(context.Background(), h.Store.DB, tt.uid)
		if err != nil || pending.State != store.StatePending {
			t.Fatalf("%d: member %+v %v", tt.uid, pending, err)
		}
		// Pending now: /help and free text say the same, without the button.
		for _, again := range []string{"/help", "hello"} {
			h.Advance(outsiderQuiet) // a non-member is answered at most once in ten minutes
			if m := next(t, u, func() { u.SendText(again) }); len(m.Buttons()) != 0 {
				t.Errorf("%d pending, %q: buttons %+v", tt.uid, again, m.Buttons())
			}
		}
	}
}

// /invite can be left at every step with Cancel (nothing is created) and stepped back with
// Back; a wizard walked back and forth still creates the invitation chosen last.
func TestInviteWizardCancelAndBack(t *testing.T) {
	t.Parallel()
	const adminUID = 890
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	steps := []struct{ prompt, choice string }{
		{"Which country", "Kyrgyzstan"},
		{"Which role", "focal point"},
		{"Which agency", "port control unit"},
		{"How long", ""},
	}
	// Cancel at each step: the wizard closes, nothing is stored.
	for i := range steps {
		m := next(t, admin, func() { admin.SendText("/invite") })
		for j, s := range steps[:i] {
			admin.WaitLast(steps[j].prompt)
			admin.Click(s.choice)
		}
		if _, err := admin.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
			last := ms[len(ms)-1]
			_, ok := last.Button("Cancel")
			return last.ID == m.ID && strings.Contains(last.Plain(), steps[i].prompt) && ok
		}); err != nil {
			t.Fatalf("step %d (%s): no Cancel button: %v", i+1, steps[i].prompt, err)
		}
		admin.Click("Cancel")
		if _, err := admin.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
			return strings.Contains(ms[len(ms)-1].Plain(), "Cancelled. No invitation or link was created.")
		}); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	var invites int
	if err := h.Store.DB.Get(&invites, `SELECT count(*) FROM invites`); err != nil || invites != 0 {
		t.Fatalf("%d invites after cancelling (%v)", invites, err)
	}
	// Back: from the lifetime to the agency, to the role, to the country; then another way.
	next(t, admin, func() { admin.SendText("/invite") })
	for _, s := range steps[:3] {
		admin.WaitLast(s.prompt)
		admin.Click(s.choice)
	}
	admin.WaitLast("How long")
	for _, prompt := range []string{"Which agency", "Which role", "Which country"} {
		admin.Click("Back")
		admin.WaitLast(prompt)
	}
	admin.Click("Georgia")
	admin.WaitLast("Which role")
	admin.Click("observer")
	admin.WaitLast("Which agency")
	admin.Click("customs")
	admin.WaitLast("How long")
	admin.Click("24 hours")
	done := admin.WaitLast("Invitation created")
	if !strings.Contains(done.Plain(), "Country: Georgia") || !strings.Contains(done.Plain(), "Role: observer") {
		t.Errorf("invitation: %q", done.Plain())
	}
}
