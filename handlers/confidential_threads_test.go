package handlers_test

import (
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// A reply, a decline, a requester's answer and an alert's follow-up already being written in
// the chat when the bot restarts with CONFIDENTIAL_CONTENT end at their next step — a button
// pressed, a text typed, a document sent — with a message, in the person's language, that
// this is now written in the Mini App and that what they wrote in the chat was not sent, and
// Open to the request's or the alert's page. Reply, Decline, Answer and Follow up on messages
// sent before the switch, pressed after it, answer with Open and begin no conversation. Nothing
// written after the switch is stored, queued or sent to anyone, in any call the bot makes.
func TestThreadConversationsEndWhenConfidentialSwitchedOn(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk
	const ref, alertRef = "RFI-2026-000001", "ALR-2026-000321"
	tr := func(lang, id, ref string) string {
		return telegramtest.StripHTML(h.App().I18n.T(lang, id, map[string]any{"Ref": ref}))
	}
	ruReply, ruDecline, ruFollowup := tr("ru", "rfi_btn_reply", ""), tr("ru", "rfi_btn_decline", ""), tr("ru", "alert_btn_followup", "")

	// Before the switch: a request to Uzbekistan; one target writing a reply, another asked
	// for the reason of a decline, the requester writing an answer back; a recipient of an
	// alert following it up (one message already relayed), another holding its Follow up.
	rfiAskUzbekistan(t, pk, "24 hours")
	n.uz2.WaitText(ref)
	n.uz2.ClickWait("Reply", "Your reply to "+ref)
	n.uz2.SayWait("SECRET-R1 no record of that seal", "Added.")
	n.uz3.WaitText(ref)
	n.uz3.Click(ruDecline)
	n.uz3.WaitMore("Почему вы отклоняете")
	n.uz1.WaitText(ref)
	pk.SayWait("/request "+ref, "State: open")
	pk.ClickWait("Answer", "Your answer in "+ref)

	seedAlert(t, h, alertRef, n.analystID, 7401, 7301)
	n.ge.SayWait("/alert "+alertRef, alertRef)
	n.ge.ClickWait("💬 Follow up", "Follow-up to "+alertRef)
	n.ge.SayWait("First check: nothing found", "Sent to the author of "+alertRef)
	n.kz.SayWait("/alert "+alertRef, alertRef)
	h.WaitIdle()

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
	before, calls := sideEffects(t, h), len(h.TG.Calls(""))
	openTo := func(m telegramtest.Message) string {
		for _, b := range m.Buttons() {
			if b.WebAppURL != "" {
				return strings.TrimPrefix(b.WebAppURL, base)
			}
		}
		return ""
	}
	expect := func(who string, m telegramtest.Message, lang, id, ref, path string) {
		t.Helper()
		if !strings.Contains(m.Plain(), tr(lang, id, ref)) || openTo(m) != path {
			t.Errorf("%s after the switch: %q, Open to %q; want %s and Open to %s", who, m.Plain(), openTo(m), id, path)
		}
	}
	page, alertPage := "/app/requests/"+ref, "/app/alerts/"+alertRef

	// The conversations' next steps: a button, a text, a document.
	expect("the reply's Send", next(t, n.uz2, func() { n.uz2.Click("Send") }), "en", "rfi_conf_write_moved", ref, page)
	expect("the decline's reason", next(t, n.uz3, func() { n.uz3.Say("SECRET-D1 not our seal") }), "ru", "rfi_conf_write_moved", ref, page)
	expect("the answer's document", next(t, pk, func() { pk.SendDocument("SECRET-DOC.pdf", "SECRET-CAP") }), "en", "rfi_conf_write_moved", ref, page)
	expect("the follow-up's text", next(t, n.ge, func() { n.ge.Say("SECRET-F2 120 kg found") }), "en", "alert_conf_followup_moved", alertRef, alertPage)

	// Old buttons pressed after the switch: Open, and no conversation.
	expect("an old Reply", next(t, n.uz1, func() { n.uz1.Click(ruReply) }), "ru", "rfi_conf_write", ref, page)
	expect("an old Decline", next(t, n.uz1, func() { n.uz1.Click(ruDecline) }), "ru", "rfi_conf_write", ref, page)
	expect("an old Answer", next(t, pk, func() { pk.Click("Answer") }), "en", "rfi_conf_write", ref, page)
	expect("an old Follow up", next(t, n.kz, func() { n.kz.Click(ruFollowup) }), "ru", "alert_conf_followup", alertRef, alertPage)

	// What is typed afterwards finds no conversation.
	for _, c := range []struct {
		p    *bottest.Person
		lang string
		text string
	}{{n.uz2, "en", "SECRET-R2 and more"}, {n.uz1, "ru", "SECRET-R4 our reply"}, {pk, "en", "SECRET-A3 thanks"},
		{n.ge, "en", "SECRET-F3 and the driver"}, {n.kz, "ru", "SECRET-F4 nothing here"}} {
		if m := next(t, c.p, func() { c.p.Say(c.text) }); !strings.Contains(m.Plain(), tr(c.lang, "free_text_hint", "")) {
			t.Errorf("%s: %q after the switch answered %q", c.p.FirstName(), c.text, m.Plain())
		}
	}
	h.WaitIdle()

	var convs, written, followups int
	if err := h.Store.DB.Get(&convs, `SELECT count(*) FROM conversations`); err != nil || convs != 0 {
		t.Errorf("conversations left: %d, %v", convs, err)
	}
	if err := h.Store.DB.Get(&written, `SELECT count(*) FROM rfi_messages WHERE kind IN ('reply', 'answer', 'decline')`); err != nil || written != 0 {
		t.Errorf("replies, answers and declines stored: %d, %v", written, err)
	}
	if err := h.Store.DB.Get(&followups, `SELECT count(*) FROM alert_followups`); err != nil || followups != 1 {
		t.Errorf("follow-ups stored: %d (want the one sent before the switch), %v", followups, err)
	}
	if after := sideEffects(t, h); after != before {
		t.Errorf("outbox,alerts,rfis,broadcasts,statuses: %s at the switch, %s after", before, after)
	}
	for i, call := range h.TG.Calls("") {
		switch call.Method {
		case "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage", "forwardMessage":
			if i >= calls {
				t.Errorf("%s after the switch: %v", call.Method, call.Params)
			}
		}
		for k, v := range call.Params {
			for _, s := range []string{"SECRET-", "no record of that seal", "not our seal", "120 kg"} {
				if strings.Contains(v, s) {
					t.Errorf("%s sent %q in %s: %q", call.Method, s, k, v)
				}
			}
		}
	}
}
