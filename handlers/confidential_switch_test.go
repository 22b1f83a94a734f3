package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// An /ask or /alert conversation already open when the bot restarts with CONFIDENTIAL_CONTENT
// ends at its next step, typed or pressed: the person is told, in their language, that the
// content is now written in the Mini App, with Open to the right form, and what became of what
// they had typed (a request: not sent; an alert: its answers copied into the form's draft,
// the new alert's or the revision's, and the files sent in the chat not). Nothing typed after
// the switch is answered with content, nothing is created, and the conversation is gone. An
// /alert conversation begun in confidential mode goes on: the author chose the chat beside
// the form.
func TestConversationEndsWhenConfidentialSwitchedOn(t *testing.T) {
	t.Parallel()
	const analystUID, askerUID, authorUID, reviserUID = 9401, 9402, 9403, 9404
	h := bottest.Start(t, handlers.Register)
	ids := netSeed(t, h,
		netPerson{analystUID, "Olga", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{askerUID, "Imran", "en", store.RoleFocalPoint, "PK", "customs"},
		netPerson{authorUID, "Nurlan", "en", store.RoleFocalPoint, "TJ", "customs"},
		netPerson{reviserUID, "Aliya", "en", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{9405, "Dilshod", "en", store.RoleFocalPoint, "UZ", "customs"})
	ctx := context.Background()
	en := func(id string) string { return telegramtest.StripHTML(h.App().I18n.T("en", id, nil)) }

	// Before the switch: a request half written, an alert at its review, and a returned
	// alert's revision open in the chat (as the chat's Revise leaves it) with a file added.
	asker := h.Person(askerUID, "Imran", "en")
	asker.Say("/ask")
	asker.WaitLast("Whom do you ask?")
	asker.Click("Uzbekistan")
	asker.Click("Next →")
	asker.WaitLast("Write your request")
	asker.Say("Was container MSCU1234565 released? SECRET-ASK-1")
	asker.WaitLast("Added.")

	author := h.Person(authorUID, "Nurlan", "en")
	author.Say("/alert\n" + roadForm)
	author.WaitLast("Review your alert")

	tj := "KZ"
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "road", Lang: "en", Text: "SECRET-REV hidden in the tank",
		Identifiers: []alert.Identifier{{Kind: "plate", Value: "01 A 777 KZ", Norm: "01A777KZ"}},
		Route:       []alert.Place{{Role: "loading", Country: "KZ"}, {Role: "destination", Country: "UZ"}},
		Attachments: []alert.Attachment{{Kind: "document", FileID: "BQAD-old", Name: "old.pdf"}}}
	al := &store.Alert{Ref: "ALR-2026-000900", AuthorID: ids[reviserUID], AuthorCountry: &tj, Classification: c.Classification,
		Content: c, Revision: 1, SubmittedAt: h.Clock.Now(), State: store.AlertSubmitted}
	var err error
	if al.ID, err = store.InsertAlert(ctx, h.Store.DB, al); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, h.Store.DB, al.ID, 1, store.AlertReturned, ids[analystUID], "add the seal", "", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	revised := c
	revised.Attachments = append([]alert.Attachment{}, c.Attachments...)
	revised.Attachments = append(revised.Attachments, alert.Attachment{Kind: "photo", FileID: "AgAD-new"})
	if err := store.SaveConversation(ctx, h.Store.DB, reviserUID, "alert", "review",
		map[string]any{"alert_id": al.ID, "content": revised}); err != nil {
		t.Fatal(err)
	}

	// The bot restarts in confidential mode.
	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	h.Config.ConfidentialContent = true
	h.Run()
	for deadline := time.Now().Add(bottest.Wait); h.App().ConsoleURL() == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the console never served")
		}
	}
	base := h.App().ConsoleURL()
	before := sideEffects(t, h)
	openTo := func(m telegramtest.Message) string {
		for _, b := range m.Buttons() {
			if b.WebAppURL != "" {
				return strings.TrimPrefix(b.WebAppURL, base)
			}
		}
		return ""
	}

	// The request's next step, pressed: ended, with Open to the request form.
	m := next(t, asker, func() { asker.Click("Done") })
	if !strings.Contains(m.Plain(), en("rfi_conf_moved")) || openTo(m) != "/app/requests/new" {
		t.Errorf("the request's next step after the switch: %q, Open to %q", m.Plain(), openTo(m))
	}
	// The alert's next step, typed: ended, its answers copied into the new alert's form.
	m = next(t, author, func() { author.Say("SECRET-ALERT-2 one more seal") })
	if p := m.Plain(); !strings.Contains(p, en("alert_conf_moved")) || !strings.Contains(p, en("alert_conf_moved_copied")) ||
		strings.Contains(p, en("alert_conf_moved_files")) || openTo(m) != "/app/new" {
		t.Errorf("the alert's next step after the switch: %q, Open to %q", p, openTo(m))
	}
	if fields, err := store.AppDraft(ctx, h.Store.DB, ids[authorUID]); err != nil || fields["plate"] != "01 A 123 BC" || fields["text"] != "Hidden compartment" {
		t.Errorf("the chat's answers in the form's draft: %v, %v", fields, err)
	}
	// The revision's next step: ended, its answers in the revision's draft, the file added in
	// the chat told as not copied.
	reviser := h.Person(reviserUID, "Aliya", "en")
	m = next(t, reviser, func() { reviser.Say("SECRET-REV-2 the seal is QX-1") })
	if p := m.Plain(); !strings.Contains(p, en("alert_conf_moved_copied")) || !strings.Contains(p, en("alert_conf_moved_files")) ||
		openTo(m) != "/app/alerts/"+al.Ref+"/revise" {
		t.Errorf("the revision's next step after the switch: %q, Open to %q", p, openTo(m))
	}
	if fields, err := store.RevisionDraft(ctx, h.Store.DB, ids[reviserUID], al.ID); err != nil || fields["plate"] != "01 A 777 KZ" {
		t.Errorf("the chat's revision in the revision's draft: %v, %v", fields, err)
	}

	// Later text and presses find no conversation: nothing is created, nothing of it is sent.
	if m := next(t, asker, func() { asker.Say("SECRET-ASK-3 and the seal?") }); !strings.Contains(m.Plain(), en("free_text_hint")) {
		t.Errorf("text after the request's end: %q", m.Plain())
	}
	h.WaitIdle() // the review's buttons are taken off once its conversation ended
	if _, err := author.PressButton("📨 Submit to CARICC"); err == nil {
		t.Error("the alert's review kept its Submit button after the conversation ended")
	}
	var convs int
	if err := h.Store.DB.Get(&convs, `SELECT count(*) FROM conversations`); err != nil || convs != 0 {
		t.Errorf("conversations left: %d, %v", convs, err)
	}
	if after := sideEffects(t, h); after != before {
		t.Errorf("outbox,alerts,rfis,broadcasts,statuses: %s before the switch's first step, %s after", before, after)
	}
	// An /alert conversation begun in confidential mode is the author's choice beside the form
	// (/alert offers both): it goes on.
	author.Say("/alert\n" + roadForm)
	author.WaitLast("Review your alert")
	if m := next(t, author, func() { author.Say("hello") }); strings.Contains(m.Plain(), en("alert_conf_moved")) {
		t.Errorf("an /alert conversation begun in confidential mode was ended: %q", m.Plain())
	}
	h.WaitIdle()
	for _, call := range h.TG.Calls("") {
		for k, v := range call.Params {
			for _, s := range []string{"SECRET-ASK-3", "SECRET-ALERT-2", "SECRET-REV", "QX-1", "one more seal"} {
				if strings.Contains(v, s) {
					t.Errorf("%s sent %q in %s: %q", call.Method, s, k, v)
				}
			}
		}
	}
}
