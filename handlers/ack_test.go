package handlers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// Acknowledgement that shows (#14): the approving analyst and an admin outside the audience
// are not recipients; a recipient's press edits their alert to say who acknowledged and when;
// the author's card and the analyst's card count it in place, without a new message; the
// alert opened again via /alert REF, /find or /alerts offers no Acknowledge to the one who
// acknowledged, and a press on such a view edits the view.
func TestAcknowledgementShowsAndCardsCountInPlace(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	h := n.h
	const admin = 7190
	adminID := seedMember(t, h, admin, "Adil", store.RoleAdmin, store.StateActive, "en", "")
	n.users[admin] = h.Person(admin, "Adil", "en")
	const ref = "ALR-2026-000001"
	// The author is in Uzbekistan; the route is Tajikistan → Pakistan.
	v := n.submitPasted(englishFP, analystEN, roadForm, ref)
	n.publishDefault(analystEN, v, ref)

	// Recipients: Uzbekistan's, Pakistan's and the other analyst; not the approving analyst,
	// not the admin (no country in the audience), not the author.
	al, err := store.AlertByRef(context.Background(), h.Store.DB, ref)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := store.AlertRecipients(context.Background(), h.Store.DB, al.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range rs {
		got = append(got, r.TelegramUserID)
	}
	slices.Sort(got)
	if want := []int64{analystRU, uzbekFP, russianFP, pakFP}; !slices.Equal(got, want) {
		t.Fatalf("recipients %v, want %v (admin member %d and the approver left out)", got, want, adminID)
	}
	card := n.wait(analystEN, n.plain("en", "alert_published", map[string]any{"Ref": ref, "Count": 4}))
	authorCard := n.wait(englishFP, n.plain("en", "alert_decision_published", map[string]any{"Ref": ref, "Count": 4}))
	if !strings.Contains(authorCard.Plain(), "acknowledged by 0 of 4") || !strings.Contains(authorCard.Plain(), "Imran (Pakistan)") {
		t.Errorf("the author's card: %q", authorCard.Plain())
	}
	h.WaitIdle()
	authorHad, analystHad := n.count(englishFP), n.count(analystEN)

	// Pakistan's reader acknowledges: the message says who and when, without Acknowledge.
	received := n.wait(pakFP, ref+" · ")
	if _, err := n.users[pakFP].Press(received.ID, buttonData(t, received, "aack:")); err != nil {
		t.Fatal(err)
	}
	n.users[pakFP].WaitOn(received.ID, "Acknowledged by Imran, 2026-03-02")
	m, _ := n.users[pakFP].Message(received.ID)
	if _, ack := m.Button("✅ Acknowledge"); ack {
		t.Error("the acknowledged alert still offers Acknowledge")
	}
	if _, fu := m.Button("💬 Follow up"); !fu {
		t.Error("the acknowledged alert lost Follow up")
	}
	if !strings.Contains(m.Plain(), "Hidden compartment") {
		t.Errorf("the acknowledged alert lost its content: %q", m.Plain())
	}

	// Both cards count it in place; no new message.
	n.users[englishFP].WaitOn(authorCard.ID, "acknowledged by 1 of 4")
	n.users[analystEN].WaitOn(card.ID, "acknowledged by 1 of 4")
	h.WaitIdle()
	if c := n.count(englishFP); c != authorHad {
		t.Errorf("the author got %d new messages, want the card edited in place", c-authorHad)
	}
	if c := n.count(analystEN); c != analystHad {
		t.Errorf("the analyst got %d new messages, want the card edited in place", c-analystHad)
	}
	if c, _ := n.users[englishFP].Message(authorCard.ID); strings.Contains(c.Plain(), "Imran") || !strings.Contains(c.Plain(), "Dilshod") {
		t.Errorf("the author's card names the wrong people as missing: %q", c.Plain())
	}

	// Opened again, by every way in: no Acknowledge for the one who acknowledged.
	noAck := func(how string, m interface{ Plain() string }, buttons []string) {
		t.Helper()
		if slices.Contains(buttons, "✅ Acknowledge") {
			t.Errorf("%s offers Acknowledge again: %v", how, buttons)
		}
		if !strings.Contains(m.Plain(), "Acknowledged by Imran") {
			t.Errorf("%s does not say who acknowledged: %q", how, m.Plain())
		}
	}
	view := n.say(pakFP, "/alert "+ref, "Hidden compartment")
	noAck("/alert REF", view, labels(view.Buttons()))
	list := n.say(pakFP, "/find 01A123BC", ref)
	if _, ok := list.Button(ref); !ok {
		t.Fatalf("/find has no button %s", ref)
	}
	opened := n.press(pakFP, ref, "Hidden compartment")
	noAck("/find", opened, labels(opened.Buttons()))
	n.say(pakFP, "/alerts", ref)
	opened = n.press(pakFP, ref, "Hidden compartment")
	noAck("/alerts", opened, labels(opened.Buttons()))

	// A recipient who has not acknowledged is offered it in the view; pressing it there edits
	// the view (in Russian) and the cards count two.
	ru := n.say(russianFP, "/alert "+ref, "Hidden compartment")
	ackRU := n.plain("ru", "alert_btn_ack", nil)
	if _, ok := ru.Button(ackRU); !ok {
		t.Fatalf("the view offers no Acknowledge to a silent recipient: %v", ru.Buttons())
	}
	if _, err := n.users[russianFP].Press(ru.ID, buttonData(t, ru, "aack:")); err != nil {
		t.Fatal(err)
	}
	n.users[russianFP].WaitOn(ru.ID, "Получение подтверждено: Vera")
	if m, _ := n.users[russianFP].Message(ru.ID); slices.Contains(labels(m.Buttons()), ackRU) {
		t.Errorf("the view still offers Acknowledge: %v", m.Buttons())
	}
	n.users[englishFP].WaitOn(authorCard.ID, "acknowledged by 2 of 4")
	n.users[analystEN].WaitOn(card.ID, "acknowledged by 2 of 4")

	// Cancelled from the card: the cards say so, and the analyst's loses Update and Cancel.
	if _, err := n.users[analystEN].Press(card.ID, buttonData(t, card, "acx:")); err != nil {
		t.Fatal(err)
	}
	n.users[analystEN].WaitNew("Type why " + ref + " is cancelled")
	n.say(analystEN, "Duplicate", ref+" is cancelled")
	n.users[analystEN].WaitOn(card.ID, "State: cancelled")
	n.users[englishFP].WaitOn(authorCard.ID, "State: cancelled")
	if m, _ := n.users[analystEN].Message(card.ID); len(m.Buttons()) != 0 {
		t.Errorf("the cancelled alert's card keeps %v", labels(m.Buttons()))
	}
}

// labels are the texts of buttons.
func labels(bs []telegramtest.Button) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Text
	}
	return out
}

// The broadcast preview shows each language version on a button press, in the one panel; the
// audience chooser names its headings and how they combine; after Send the panel shows the
// outcome with only the report's button.
func TestBroadcastPreviewPerLanguageAndAudienceHeadings(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst = 2601
	netSeed(t, h,
		netPerson{analyst, "Aida", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{2611, "Kairat", "ru", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{2612, "Kate", "en", store.RoleFocalPoint, "KZ", "port_control_unit"},
		netPerson{2621, "Farrukh", "tg", store.RoleFocalPoint, "TJ", "customs"},
	)
	a := h.Person(analyst, "Aida", "en")
	a.SendText("/broadcast")
	a.WaitText("Send the text in English")
	a.SendText("Dostyk crossing closed on Monday.")
	a.WaitText("Audience: not chosen yet")
	id := bcDraftID(t, a)

	a.Click("Audience")
	screen := a.WaitText("Audience of broadcast #")
	for _, want := range []string{"Countries: any\nAND\nRoles: any\nAND\nAgencies: any", "the headings combine with AND"} {
		if !strings.Contains(screen.Plain(), want) {
			t.Errorf("the audience screen lacks %q: %q", want, screen.Plain())
		}
	}
	for _, b := range []string{"🌍 Countries ⬇", "AND 👤 Roles ⬇", "AND 🏛 Agencies ⬇"} {
		if _, ok := screen.Button(b); !ok {
			t.Errorf("the audience chooser has no heading %q: %v", b, screen.Buttons())
		}
	}
	a.Click("Kazakhstan")
	a.WaitText("Countries: Kazakhstan\nAND\nRoles: any")
	a.Click("AND 🏛 Agencies ⬇")
	a.WaitToast("The headings combine with AND")
	a.Click("Customs")
	a.WaitOn(screen.ID, "Agencies: Customs")
	a.WaitOn(screen.ID, "Now: Kazakhstan · Customs — 1 recipient")
	a.Click("Done")
	a.WaitText("Audience: Kazakhstan · Customs — 1 recipient")

	a.Click("Add a language")
	a.Click("Русский")
	a.WaitText("Send the text in Русский")
	a.SendText("Переход Достык закрыт в понедельник.")
	a.WaitText("Languages: English (for everyone else), Русский")
	panels := a.Count("Draft broadcast #")

	// The preview replaces the panel: the author's version first, then Russian on a press.
	a.Click("Preview")
	preview := a.WaitText("Preview of broadcast #")
	if !strings.Contains(preview.Plain(), "The version for readers in English") || !strings.Contains(preview.Plain(), "Dostyk crossing closed") {
		t.Errorf("preview: %q", preview.Plain())
	}
	a.Click("Русский")
	a.WaitOn(preview.ID, "Переход Достык закрыт в понедельник.")
	a.WaitOn(preview.ID, "Рассылка ЦАРИКЦ")
	if m, _ := a.Message(preview.ID); !strings.Contains(m.Plain(), "The version for readers in Русский") {
		t.Errorf("the Russian preview does not say whose version it is: %q", m.Plain())
	}
	if c := a.Count("Draft broadcast #"); c > panels {
		t.Errorf("the preview was sent as a new message")
	}
	// Only one live panel: the draft panel before the Russian text lost its buttons.
	live := 0
	for _, m := range a.Messages() {
		for _, b := range labels(m.Buttons()) {
			if strings.HasPrefix(b, "Preview") || strings.HasPrefix(b, "Send to") {
				live++
				break
			}
		}
	}
	if live != 1 {
		t.Errorf("%d messages with live draft buttons, want 1", live)
	}

	a.Click("Send to 1 recipient")
	a.WaitOn(preview.ID, "is being sent to 1 recipient")
	m, _ := a.Message(preview.ID)
	if bs := labels(m.Buttons()); len(bs) != 1 || bs[0] != fmt.Sprintf("Who is missing: #%d", id) {
		t.Errorf("after Send the panel keeps %v, want only the report", bs)
	}
}
