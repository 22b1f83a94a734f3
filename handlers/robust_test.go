package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// Robustness of the conversations: a member suspended in the middle, a database outage, a
// Telegram outage, a restart after a button press.

// sideEffects counts what a member's draft would leave behind once it went out: deliveries
// queued for anyone, alerts past the draft, requests, broadcasts past the draft, statuses.
func sideEffects(t *testing.T, h *bottest.Harness) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		// A change of role or state queues the member's new command menu (member_menu): not
		// something the member did.
		`SELECT count(*) FROM outbox WHERE kind <> 'member_menu'`,
		`SELECT count(*) FROM alerts WHERE state <> 'draft'`,
		`SELECT count(*) FROM rfis`,
		`SELECT count(*) FROM broadcasts WHERE state <> 'draft'`,
		`SELECT count(*) FROM place_statuses`,
	} {
		var n string
		if err := h.Store.DB.Get(&n, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, n)
	}
	return strings.Join(out, ",")
}

// A member suspended while a draft is open in each flow (however the suspension came: here
// straight in the database, as another instance or the CLI would leave it, the conversation
// still stored): the next message and the draft's final button get the closed-network answer,
// the draft does not go out, and nothing is sent on their behalf afterwards.
func TestSuspendedMidConversation(t *testing.T) {
	t.Parallel()
	const analyst = 9001
	for _, c := range []struct {
		flow  string
		who   netPerson
		setup func(t *testing.T, u *bottest.Person) // up to the draft's final screen
		final string                                // the button that would send it
	}{
		{"alert", netPerson{9101, "Nurlan", "en", store.RoleFocalPoint, "TJ", "customs"},
			func(t *testing.T, u *bottest.Person) { u.Say("/alert\n" + roadForm); u.WaitLast("Review your alert") },
			"📨 Submit to CARICC"},
		{"ask", netPerson{9102, "Imran", "en", store.RoleFocalPoint, "PK", "customs"},
			func(t *testing.T, u *bottest.Person) {
				u.Say("/ask")
				u.WaitLast("Whom do you ask?")
				u.Click("Uzbekistan")
				u.Click("Next →")
				u.WaitLast("Write your request")
				u.Say("Was container MSCU1234565 released?")
				u.WaitLast("Added.")
				u.Click("Done")
				u.WaitLast("How urgent")
				u.Click("Urgent")
				u.WaitLast("By when")
				u.Click("24 hours")
				u.WaitLast("Is this about an alert?")
				u.Click("Skip")
				u.WaitLast("Check your request")
			}, "Send"},
		{"broadcast", netPerson{9103, "Aida", "en", store.RoleAnalyst, "", "caricc"},
			func(t *testing.T, u *bottest.Person) {
				u.Say("/broadcast")
				u.WaitLast("Send the text in English")
				u.Say("Dostyk closed.")
				u.WaitLast("Audience: not chosen yet")
				u.Click("Audience")
				u.WaitLast("Now: not chosen yet")
				u.Click("Uzbekistan")
				u.WaitLast("Now: Uzbekistan")
				u.Click("Done")
				u.WaitLast("Audience: Uzbekistan")
				u.Click("Preview")
				u.WaitLast("Preview of broadcast #")
			}, "Send to 1 recipient"},
		{"poststatus", netPerson{9104, "Aziz", "en", store.RoleFocalPoint, "UZ", "customs"},
			func(t *testing.T, u *bottest.Person) {
				u.SendText("/poststatus UZTER")
				form, _ := u.WaitButton("sp:pub")
				u.ClickOn(form.ID, "sp:f:open")
				u.WaitOn(form.ID, "open")
			}, ""},
	} {
		t.Run(c.flow, func(t *testing.T) {
			t.Parallel()
			h := bottest.Start(t, handlers.Register)
			ids := netSeed(t, h, c.who,
				netPerson{analyst, "Olga", "en", store.RoleAnalyst, "", "caricc"},
				netPerson{9201, "Dilshod", "en", store.RoleFocalPoint, "UZ", "customs"})
			u := h.Person(c.who.tgID, c.who.name, "en")
			c.setup(t, u)
			// The final button, as the draft showed it: ending the conversation (the refusal
			// below) takes it off the draft's panel, so it is pressed as a client still could.
			finalMsg, finalData := 0, ""
			if c.final != "" {
				for _, m := range u.Messages() {
					if b, ok := m.Button(c.final); ok {
						finalMsg, finalData = m.ID, b.CallbackData
					}
				}
				if finalMsg == 0 {
					t.Fatalf("no button %q on the draft", c.final)
				}
			}
			before := sideEffects(t, h)
			if _, err := h.Store.DB.Exec(`UPDATE members SET state = 'suspended' WHERE id = $1`, ids[c.who.tgID]); err != nil {
				t.Fatal(err)
			}
			m := next(t, u, func() { u.SendText("one more line") })
			if !strings.Contains(m.Plain(), "closed network") {
				t.Errorf("text after the suspension got %q", m.Plain())
			}
			last := u.Messages()
			final := func() {
				if c.final == "" {
					u.PressForged(last[len(last)-2].ID, "sp:pub")
					return
				}
				u.PressForged(finalMsg, finalData)
			}
			h.Advance(outsiderQuiet) // a non-member is answered at most once in ten minutes
			m = next(t, u, final)
			if !strings.Contains(m.Plain(), "closed network") {
				t.Errorf("the draft's final button after the suspension got %q", m.Plain())
			}
			h.Advance(48 * 3600e9) // any deadline or scheduled sending that could still act for them
			if after := sideEffects(t, h); after != before {
				t.Errorf("outbox,alerts,rfis,broadcasts,statuses: %s before the suspension, %s after", before, after)
			}
			var convs int
			if err := h.Store.DB.Get(&convs, `SELECT count(*) FROM conversations WHERE telegram_user_id = $1`, c.who.tgID); err != nil || convs != 0 {
				t.Errorf("conversation kept after the refusal: %d %v", convs, err)
			}
		})
	}
}

// The database goes away in the middle of an alert draft and comes back: the author is told,
// in their language, that their answer is kept; once the database is back the answer is taken
// (once), the draft is intact, and the bot goes on by itself: the next step, the submission
// and its delivery to the analysts.
func TestDatabaseOutageMidAlertDraft(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))

	n.h.CutDatabase()
	before := n.count(kazakhFP)
	n.users[kazakhFP].SendText("KZALA")
	n.waitNew(kazakhFP, before, T("error_unavailable"))
	n.h.RestoreDatabase()
	n.waitNew(kazakhFP, before, "Almaty (KZALA)")

	draft := n.draft(kazakhFP)
	if !strings.Contains(draft, "MSCU1234566") || strings.Count(draft, "KZALA") != 1 {
		t.Errorf("draft after the outage: %s", draft)
	}
	n.fromDestinationToReview(kazakhFP)
	n.pressInPlace(kazakhFP, T("alert_btn_submit"), "ALR-")
	n.wait(analystEN, "MSCU1234566")
	if got := n.users[kazakhFP].Count(T("error_unavailable")); got != 1 {
		t.Errorf("outage notice shown %d times, want once", got)
	}
}

// Telegram failing (5xx) and slow while a broadcast is confirmed and delivered: the analyst's
// answer and every delivery arrive, each exactly once.
func TestBroadcastThroughTelegramOutage(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const analyst = 9301
	netSeed(t, h,
		netPerson{analyst, "Aida", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{9401, "Dilshod", "ru", store.RoleFocalPoint, "UZ", "customs"},
		netPerson{9402, "Aziza", "en", store.RoleFocalPoint, "UZ", "customs"},
		netPerson{9403, "Bekzod", "uz", store.RoleFocalPoint, "UZ", "customs"})
	a := h.Person(analyst, "Aida", "en")
	readers := []*bottest.Person{h.Person(9401, "Dilshod", "ru"), h.Person(9402, "Aziza", "en"), h.Person(9403, "Bekzod", "uz")}
	a.Say("/broadcast")
	a.WaitLast("Send the text in English")
	a.Say("Termez closed for maintenance.")
	a.WaitLast("Audience: not chosen yet")
	a.Click("Audience")
	a.WaitLast("Now: not chosen yet")
	a.Click("Uzbekistan")
	a.WaitLast("Now: Uzbekistan")
	a.Click("Done")
	a.WaitLast("Audience: Uzbekistan")
	a.Click("Preview")
	a.WaitLast("Preview of broadcast #")
	id := bcDraftID(t, a)
	h.TG.SetLatency(300 * time.Millisecond)
	h.TG.FailNext(3, 503)
	if _, err := a.PressButton("Send to 3 recipients"); err != nil {
		t.Fatal(err)
	}
	a.WaitLast("is being sent to 3 recipients")
	for _, r := range readers {
		if _, err := r.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
			return bottest.CountText(ms, "Termez closed for maintenance.") >= 1
		}); err != nil {
			t.Fatalf("reader %d: %v", r.ID(), err)
		}
	}
	netEventually(t, "all three sent", func() bool {
		c, err := delivery.CountsFor(context.Background(), h.Store.DB, "broadcast", id)
		return err == nil && c.Sent == 3
	})
	h.TG.SetLatency(0)
	for _, r := range readers {
		if n := r.Count("Termez closed for maintenance."); n != 1 {
			t.Errorf("reader %d got the broadcast %d times", r.ID(), n)
		}
	}
	if n := a.Count("is being sent to 3 recipients"); n != 1 {
		t.Errorf("the analyst was told %d times that it is being sent", n)
	}
}

// The bot restarted right after a button press, in the middle of /ask and of /broadcast: the
// press is handled (before or after the restart, once), and the flow goes on from its stored
// step to the end.
func TestRestartRightAfterButtonPress(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	netSeed(t, h,
		netPerson{9501, "Imran", "en", store.RoleFocalPoint, "PK", "customs"},
		netPerson{9502, "Aida", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{9601, "Aziza", "en", store.RoleFocalPoint, "UZ", "customs"})
	pk, an, uz := h.Person(9501, "Imran", "en"), h.Person(9502, "Aida", "en"), h.Person(9601, "Aziza", "en")

	pk.Say("/ask")
	pk.WaitLast("Whom do you ask?")
	pk.Click("Uzbekistan")
	pk.Click("Next →")
	pk.WaitLast("Write your request")
	pk.Say("Was container MSCU1234565 released?")
	pk.WaitLast("Added.")
	pk.Click("Done")
	pk.WaitLast("How urgent")
	pk.Click("Urgent")
	h.Restart()
	pk.WaitLast("By when")
	pk.Click("24 hours")
	pk.WaitLast("Is this about an alert?")
	pk.Click("Skip")
	pk.WaitLast("Check your request")
	pk.Click("Send")
	h.Restart()
	pk.WaitLast("RFI-2026-000001 sent")
	if _, err := uz.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return bottest.CountText(ms, "RFI-2026-000001") >= 1 }); err != nil {
		t.Fatal(err)
	}
	if n := pk.Count("By when"); n != 1 {
		t.Errorf("the step after the restart was asked %d times", n)
	}

	// The analyst's copy of the request comes through the outbox; let it arrive first, so the
	// broadcast panel below stays the analyst's newest message.
	if _, err := an.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return bottest.CountText(ms, "RFI-2026-000001") >= 1 }); err != nil {
		t.Fatal(err)
	}
	an.Say("/broadcast")
	an.WaitLast("Send the text in English")
	an.Say("Termez closed.")
	an.WaitLast("Audience: not chosen yet")
	an.Click("Audience")
	an.WaitLast("Now: not chosen yet")
	an.Click("Uzbekistan")
	h.Restart()
	an.WaitLast("Now: Uzbekistan")
	an.Click("Done")
	an.WaitLast("Audience: Uzbekistan")
	an.Click("Preview")
	an.WaitLast("Preview of broadcast #")
	an.Click("Send to 1 recipient")
	h.Restart()
	an.WaitLast("is being sent to 1 recipient")
	if _, err := uz.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return bottest.CountText(ms, "Termez closed.") == 1 }); err != nil {
		t.Fatal(err)
	}
	h.Restart()
	if n := uz.Count("Termez closed."); n != 1 {
		t.Errorf("broadcast received %d times", n)
	}
	if n := uz.Count("RFI-2026-000001"); n != 1 {
		t.Errorf("request received %d times", n)
	}
}
