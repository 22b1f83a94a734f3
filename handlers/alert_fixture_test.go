package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// Short tests of what happens to a published alert — acknowledgement, reminder, escalation,
// follow-up — each from a fixture instead of a whole submission and verification
// (TestAlertLifecycle walks the whole path once).

// alertNet is the cast: a Kazakh author, an analyst, and two readers in Uzbekistan and
// Afghanistan, all writing English.
type alertNet struct {
	h                    *bottest.Harness
	author, analyst      *bottest.Person
	reader1, reader2     *bottest.Person
	authorID, analystID  int64
	reader1ID, reader2ID int64
}

func newAlertNet(t *testing.T) *alertNet {
	t.Helper()
	h := bottest.Start(t, handlers.Register)
	n := &alertNet{h: h}
	n.authorID = seedMember(t, h, 9101, "Aliya", store.RoleFocalPoint, store.StateActive, "en", "KZ")
	n.analystID = seedMember(t, h, 9102, "John", store.RoleAnalyst, store.StateActive, "en", "")
	n.reader1ID = seedMember(t, h, 9103, "Dilshod", store.RoleFocalPoint, store.StateActive, "en", "UZ")
	n.reader2ID = seedMember(t, h, 9104, "Ahmad", store.RoleFocalPoint, store.StateActive, "en", "AF")
	n.author, n.analyst = h.Person(9101, "Aliya", "en"), h.Person(9102, "John", "en")
	n.reader1, n.reader2 = h.Person(9103, "Dilshod", "en"), h.Person(9104, "Ahmad", "en")
	return n
}

// en is a message in English as the emulator shows it (tags stripped).
func (n *alertNet) en(id string, data map[string]any) string {
	return telegramtest.StripHTML(n.h.App().I18n.T("en", id, data))
}

// publishedAlert is the fixture: an urgent alert of the author, published by the analyst to
// both readers and queued to them as publishing does; it returns once both have it.
func (n *alertNet) publishedAlert(t *testing.T, ref string) int64 {
	t.Helper()
	ctx, h := context.Background(), n.h
	now := h.Clock.Now()
	al := &store.Alert{Ref: ref, AuthorID: n.authorID, SubmittedAt: now,
		Content: alert.Content{Classification: alert.ClassUrgent, Text: "Container TGHU8765431", Lang: "en"}}
	id, err := store.InsertAlert(ctx, h.Store.DB, al)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, h.Store.DB, id, 1, store.AlertPublished, n.analystID, "", "all", now); err != nil {
		t.Fatal(err)
	}
	readers := []int64{n.reader1ID, n.reader2ID}
	if err := store.AddRecipients(ctx, h.Store.DB, id, readers); err != nil {
		t.Fatal(err)
	}
	var items []delivery.Item
	for _, mid := range readers {
		m, err := store.MemberByID(ctx, h.Store.DB, mid)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: "alert", RefID: id, Priority: delivery.Urgent})
	}
	if _, err := delivery.Enqueue(ctx, h.Store.DB, items); err != nil {
		t.Fatal(err)
	}
	n.reader1.WaitText(ref)
	n.reader2.WaitText(ref)
	return id
}

// ack has a reader acknowledge the alert and waits until the bot is idle again.
func (n *alertNet) ack(p *bottest.Person, ref string) {
	p.Click(n.en("alert_btn_ack", nil))
	p.WaitToast(n.en("alert_acked", map[string]any{"Ref": ref}))
	n.h.WaitIdle()
}

// wantCount checks, once the bot is idle, how many messages of p's chat contain substr.
func (n *alertNet) wantCount(t *testing.T, p *bottest.Person, substr string, want int) {
	t.Helper()
	n.h.WaitIdle()
	if got := p.Count(substr); got != want {
		t.Errorf("%s has %d messages with %q, want %d", p.FirstName(), got, substr, want)
	}
}

func (n *alertNet) acked(t *testing.T, alertID int64) int {
	t.Helper()
	rs, err := store.AlertRecipients(context.Background(), n.h.Store.DB, alertID)
	if err != nil {
		t.Fatal(err)
	}
	acked := 0
	for _, r := range rs {
		if r.AckedAt != nil {
			acked++
		}
	}
	return acked
}

// A recipient acknowledges once: a double tap is told it is done already, Acknowledge leaves
// the message and Follow up stays. The second tap's edit, which Telegram refuses as "message
// is not modified", counts as done: it is neither retried nor logged as a warning.
func TestAlertAcknowledge(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	const ref = "ALR-2026-000201"
	id := n.publishedAlert(t, ref)
	received := n.reader1.WaitText(ref)
	n.reader1.Click(n.en("alert_btn_ack", nil))
	n.reader1.WaitToast(n.en("alert_acked", map[string]any{"Ref": ref}))
	n.reader1.ClickData(received.ID, "aack:"+itoa(id)) // the same button again, pressed late
	n.reader1.WaitToast(n.en("alert_already_acked", map[string]any{"Ref": ref}))
	n.h.WaitIdle()
	if got := n.acked(t, id); got != 1 {
		t.Errorf("acknowledgements = %d, want 1", got)
	}
	m, ok := n.reader1.Message(received.ID)
	if !ok {
		t.Fatal("the alert message is gone")
	}
	if _, ack := m.Button(n.en("alert_btn_ack", nil)); ack {
		t.Error("the acknowledged alert still offers Acknowledge")
	}
	if _, fu := m.Button(n.en("alert_btn_followup", nil)); !fu {
		t.Error("the acknowledged alert lost Follow up")
	}
	if edits := n.h.TG.CallCount("editMessageText"); edits != 2 {
		t.Errorf("editMessageText called %d times, want 2 (one per tap, no retry)", edits)
	}
	for _, w := range n.h.Warnings() {
		t.Errorf("warning logged: %q", w)
	}
}

// ALERT_ACK_TIMEOUT after publication the silent recipients get one reminder; those who
// acknowledged get none.
func TestAlertReminder(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	const ref = "ALR-2026-000202"
	n.publishedAlert(t, ref)
	n.ack(n.reader1, ref)
	n.h.Advance(31 * time.Minute)
	head := n.en("alert_reminder_head", nil)
	reminder := n.reader2.WaitText(head)
	if !strings.Contains(reminder.Plain(), ref) {
		t.Errorf("reminder without the alert: %q", reminder.Plain())
	}
	n.h.Advance(time.Minute) // the job again: no second reminder
	n.wantCount(t, n.reader1, head, 0)
	n.wantCount(t, n.reader2, head, 1)
}

// As long again after the reminder, the analysts get the list of who is still silent, once.
func TestAlertEscalation(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	const ref = "ALR-2026-000203"
	n.publishedAlert(t, ref)
	n.ack(n.reader2, ref)
	n.h.Advance(31 * time.Minute) // the reminder
	n.reader1.WaitText(n.en("alert_reminder_head", nil))
	n.h.Advance(31 * time.Minute) // the escalation
	silent := n.analyst.WaitText("Still unacknowledged")
	if !strings.Contains(silent.Plain(), "Dilshod") || strings.Contains(silent.Plain(), "Ahmad") {
		t.Errorf("escalation lists the wrong people: %q", silent.Plain())
	}
	n.h.Advance(time.Hour) // once only
	n.wantCount(t, n.analyst, "Still unacknowledged", 1)
}

// A recipient's follow-up reaches the author and the analysts, headed with who wrote it.
func TestAlertFollowUp(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	const ref = "ALR-2026-000204"
	n.publishedAlert(t, ref)
	n.reader2.Click(n.en("alert_btn_followup", nil))
	n.reader2.WaitNew(ref)
	n.reader2.Say("Seizure confirmed: 120 kg heroin")
	n.reader2.WaitNew(ref)
	n.author.WaitText("Seizure confirmed: 120 kg heroin")
	fu := n.analyst.WaitText("Seizure confirmed: 120 kg heroin")
	if !strings.Contains(fu.Plain(), "Ahmad") || !strings.Contains(fu.Plain(), ref) {
		t.Errorf("follow-up heading: %q", fu.Plain())
	}
	n.wantCount(t, n.reader1, "Seizure confirmed", 0) // not published to the audience yet
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// One rule names people everywhere: name, unit, and the localised country — or, for a member
// of no country, their agency's localised name ("CARICC" only for CARICC's own). The
// escalation to analysts lists the silent recipients by it, in the reader's language.
func TestMemberNamingRule(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	const ref = "ALR-2026-000205"
	n.publishedAlert(t, ref)
	if _, err := n.h.Store.DB.Exec(`UPDATE members SET unit = 'Termez post' WHERE id = $1`, n.reader1ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.h.Store.DB.Exec(`UPDATE members SET country = NULL, agency = 'unodc', unit = '' WHERE id = $1`, n.reader2ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.h.Store.DB.Exec(`UPDATE members SET language = 'ru' WHERE id = $1`, n.analystID); err != nil {
		t.Fatal(err)
	}
	n.h.Advance(31 * time.Minute) // the reminder
	n.h.Advance(31 * time.Minute) // the escalation, in Russian
	silent := n.analyst.WaitText("ALR-2026-000205")
	for _, want := range []string{"Dilshod, Termez post (Узбекистан)", "Ahmad (УНП ООН)"} {
		if !strings.Contains(silent.Plain(), want) {
			t.Errorf("escalation %q does not name %q", silent.Plain(), want)
		}
	}
	if strings.Contains(silent.Plain(), "CARICC") || strings.Contains(silent.Plain(), "ЦАРИКЦ") {
		t.Errorf("a member of UNODC named as CARICC: %q", silent.Plain())
	}
}

// An update and then a cancellation change the alert each recipient already holds: their
// original message is edited, in their language, to say so — "UPDATED" with its buttons, then
// "CANCELLED by CARICC, time: reason" without them — beside the notices. A message sent more
// than 48 hours ago, which Telegram no longer lets a bot edit, keeps the notice only.
func TestAlertCancelEditsWhatRecipientsHold(t *testing.T) {
	t.Parallel()
	n := newAlertNet(t)
	ctx := context.Background()
	const ref = "ALR-2026-000206"
	id := n.publishedAlert(t, ref)
	if _, err := n.h.Store.DB.Exec(`UPDATE members SET language = 'ru' WHERE id = $1`, n.reader1ID); err != nil {
		t.Fatal(err)
	}
	original1, original2 := n.reader1.WaitText(ref), n.reader2.WaitText(ref)
	// reader2's alert is past Telegram's edit window.
	netEventually(t, "the alert recorded as sent", func() bool {
		_, _, err1 := delivery.SentMessage(ctx, n.h.Store.DB, "alert", id, "", n.reader1ID)
		_, _, err2 := delivery.SentMessage(ctx, n.h.Store.DB, "alert", id, "", n.reader2ID)
		return err1 == nil && err2 == nil
	})
	if _, err := n.h.Store.DB.Exec(`UPDATE outbox SET sent_at = now() - interval '49 hours' WHERE kind = 'alert' AND member_id = $1`, n.reader2ID); err != nil {
		t.Fatal(err)
	}

	n.analyst.ClickData(0, "aup:"+itoa(id))
	n.analyst.WaitText("Type the update to")
	n.analyst.SayWait("Second container TGHU0000011 added", "goes to")
	n.reader1.WaitOn(original1.ID, "ОБНОВЛЕНО")
	m, _ := n.reader1.Message(original1.ID)
	if len(m.Buttons()) != 2 { // Acknowledge and Follow up: reader1 has not acknowledged
		t.Errorf("the updated alert lost its buttons: %+v", m.Buttons())
	}

	n.analyst.ClickData(0, "acx:"+itoa(id))
	n.analyst.WaitText("Type why")
	n.analyst.SayWait("Duplicate of a national case", "members are told")
	n.reader1.WaitOn(original1.ID, "ОТМЕНЕНО")
	m, _ = n.reader1.Message(original1.ID)
	if !strings.Contains(m.Plain(), "Duplicate of a national case") || !strings.Contains(m.Plain(), "ЦАРИКЦ") {
		t.Errorf("the cancelled alert does not say by whom and why: %q", m.Plain())
	}
	if len(m.Buttons()) != 0 {
		t.Errorf("the cancelled alert still has buttons: %+v", m.Buttons())
	}
	n.reader2.WaitText("is CANCELLED") // the notice
	n.h.WaitIdle()
	if m, _ := n.reader2.Message(original2.ID); m.Plain() != original2.Plain() {
		t.Errorf("a message past the edit window was edited: %q", m.Plain())
	}
}
