package handlers_test

import (
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// liveWith lists the messages of a chat that carry a button whose data starts with prefix.
func liveWith(ms []telegramtest.Message, prefix string) []telegramtest.Message {
	var live []telegramtest.Message
	for _, m := range ms {
		for _, b := range m.Buttons() {
			if strings.HasPrefix(b.CallbackData, prefix) {
				live = append(live, m)
				break
			}
		}
	}
	return live
}

// answeredAs waits until message id shows answer and has no buttons left, and then checks that
// one message of the chat, the newest question, carries the conversation's buttons (prefix).
func answeredAs(t *testing.T, u *bottest.Person, id int, answer, prefix string) {
	t.Helper()
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, ok := u.Message(id)
		return ok && strings.Contains(m.Plain(), answer) && len(m.Buttons()) == 0
	}); err != nil {
		m, _ := u.Message(id)
		t.Fatalf("the answered question %d reads %q with %d buttons, want %q and none", id, m.Plain(), len(m.Buttons()), answer)
	}
	ms := u.Messages()
	live := liveWith(ms, prefix)
	if len(live) != 1 || live[0].ID != ms[len(ms)-1].ID {
		var ids []int
		for _, m := range live {
			ids = append(ids, m.ID)
		}
		t.Fatalf("messages %v carry %s… buttons, want the newest alone (%d)", ids, prefix, ms[len(ms)-1].ID)
	}
}

// A step of the guided /alert, once answered, shows its answer and has no buttons: by a
// button (the label pressed), by typing (the value typed, here a quantity in Kazakh) or by
// choosing several (the risk indicators chosen). At every step one message carries the
// draft's buttons, the newest; after Submit none does, and the outcome carries Withdraw.
func TestAlertAnsweredStepShowsAnswerWithoutButtons(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	u := n.users[kazakhFP]

	q := n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	answeredAs(t, u, q.ID, T("alert_class_urgent"), "ad:")

	q = n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	answeredAs(t, u, q.ID, T("alert_conv_container"), "ad:")

	q = n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	answeredAs(t, u, q.ID, "MSCU1234566", "ad:")

	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))
	n.say(kazakhFP, "KZALA", "Almaty (KZALA)")
	n.press(kazakhFP, T("alert_label_destination"), T("alert_label_destination"))
	n.say(kazakhFP, "UZTAS", "Tashkent (UZTAS)")
	n.press(kazakhFP, T("alert_btn_done"), T("alert_ask_substance"))
	q = n.press(kazakhFP, T("alert_subst_heroin"), T("alert_ask_risks"))
	// Several chosen, then Done: the question shows those chosen, not "Done".
	n.press(kazakhFP, T("alert_risk_route_deviation"), "")
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, _ := u.Message(q.ID)
		_, ok := m.Button("✅ " + T("alert_risk_route_deviation"))
		return ok
	}); err != nil {
		t.Fatal("the risk is not ticked")
	}
	n.press(kazakhFP, T("alert_btn_done"), T("alert_ask_concealment"))
	answeredAs(t, u, q.ID, T("alert_risk_route_deviation"), "ad:")
	if m, _ := u.Message(q.ID); strings.Contains(m.Plain(), "✅ "+T("alert_btn_done")) {
		t.Errorf("the risks question shows Done as its answer: %q", m.Plain())
	}

	n.press(kazakhFP, T("alert_conceal_false_wall"), T("alert_ask_goods"))
	q = n.press(kazakhFP, T("alert_btn_skip"), T("alert_ask_quantity"))
	const quantity = "18 т, 1200 қап"
	n.say(kazakhFP, quantity, n.plain(kl, "alert_ask_text", map[string]any{"Max": alert.MaxText}))
	answeredAs(t, u, q.ID, quantity, "ad:")

	n.press(kazakhFP, T("alert_btn_skip"), "")
	review := n.press(kazakhFP, T("alert_btn_done"), T("alert_review_head"))
	// Submit: the review itself becomes the outcome, the alert as submitted under its reference,
	// with Withdraw alone.
	out := u.PressInPlace(review.ID, buttonData(t, review, "ad:submit"), "ALR-2026-000001")
	if !strings.Contains(out.Plain(), quantity) {
		t.Errorf("the submitted alert is no longer readable on its panel: %q", out.Plain())
	}
	if bs := out.Buttons(); len(bs) != 1 || !strings.HasPrefix(bs[0].CallbackData, "awd:") {
		t.Errorf("the submitted panel has %v, want Withdraw alone", bs)
	}
	if _, err := u.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool { return len(liveWith(ms, "ad:")) == 0 }); err != nil {
		t.Fatalf("draft buttons left after Submit: %v", liveWith(u.Messages(), "ad:"))
	}
	if live := liveWith(u.Messages(), "awd:"); len(live) != 1 || live[0].ID != review.ID {
		t.Errorf("Withdraw is on %d messages, want the outcome's alone", len(live))
	}
}

// The analyst's decision moves on without leaving live buttons behind: Approve takes the
// buttons off the alert (the audience screen has Return and Reject), Publish turns the audience
// screen into the outcome (with what applies to a published alert); a cancelled reason gives
// the alert its buttons back.
func TestVerificationLeavesOneLivePanel(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	const ref = "ALR-2026-000001"
	u := n.users[analystEN]
	v := n.submitPasted(englishFP, analystEN, roadForm, ref)
	T := func(id string) string { return n.plain("en", id, nil) }

	// Return, then Cancel: the buttons are back on the alert.
	ask := n.press(analystEN, T("alert_btn_return"), n.plain("en", "alert_ask_reason_returned", map[string]any{"Ref": ref}))
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool { m, _ := u.Message(v.ID); return len(m.Buttons()) == 0 }); err != nil {
		t.Fatal("the alert keeps its buttons while the reason is asked")
	}
	n.press(analystEN, T("alert_btn_cancel"), n.plain("en", "alert_prompt_cancelled", map[string]any{"Ref": ref}))
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
		m, _ := u.Message(v.ID)
		a, _ := u.Message(ask.ID)
		return len(liveWith([]telegramtest.Message{m}, "av:")) == 1 && len(a.Buttons()) == 0
	}); err != nil {
		t.Fatal("after Cancel the alert has not its buttons back, or the prompt keeps its own")
	}

	screen := n.press(analystEN, T("alert_btn_approve"), "Audience of "+ref)
	if _, ok := screen.Button(T("alert_btn_return")); !ok {
		t.Errorf("the audience screen has no Return: %v", screen.Buttons())
	}
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool { m, _ := u.Message(v.ID); return len(m.Buttons()) == 0 }); err != nil {
		t.Fatal("the alert keeps its buttons once approved")
	}
	// Publish: the audience screen itself becomes the analyst's card of the published alert,
	// with what applies to it now, and no new message comes.
	before := n.count(analystEN)
	out := u.PressInPlace(screen.ID, buttonData(t, screen, "apub:"), publishedPrefix(n, "en", ref))
	for _, want := range []string{"alert_btn_update", "alert_btn_cancel_alert", "alert_btn_acks"} {
		if _, ok := out.Button(T(want)); !ok {
			t.Errorf("the outcome of Publish has no %s: %v", want, out.Buttons())
		}
	}
	n.h.WaitIdle()
	if got := n.count(analystEN); got != before {
		t.Errorf("Publish sent %d new messages to the analyst, want its screen edited", got-before)
	}
	if _, err := u.WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		return len(liveWith(ms, "av:"))+len(liveWith(ms, "aaud:"))+len(liveWith(ms, "apub:")) == 0
	}); err != nil {
		t.Error("decision buttons left after Publish")
	}
}

// The status form sent again after a typed note leaves the old form without buttons.
func TestStatusFormSentAgainClosesTheOldOne(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	u := n.users[englishFP]
	u.SendText("/poststatus UZTER")
	form, _ := u.WaitButton("sp:pub")
	u.ClickOn(form.ID, "sp:note")
	u.WaitNew("Send a short note")
	u.Say("Queue of 40 trucks")
	again := u.WaitNew("Queue of 40 trucks")
	if _, ok := again.Button("Publish"); !ok && len(liveWith([]telegramtest.Message{again}, "sp:pub")) == 0 {
		t.Fatalf("the form sent again has no Publish: %v", again.Buttons())
	}
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool { m, _ := u.Message(form.ID); return len(m.Buttons()) == 0 }); err != nil {
		t.Fatal("the old form keeps its buttons")
	}
	if live := liveWith(u.Messages(), "sp:"); len(live) != 1 || live[0].ID != again.ID {
		t.Errorf("%d messages carry the form's buttons, want the new form alone", len(live))
	}
}

// A conversation replaced by another (/broadcast typed in the middle of /alert) leaves no
// live buttons behind: the draft's question loses them.
func TestReplacedConversationClosesItsPanel(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	T := func(id string) string { return n.plain("en", id, nil) }
	u := n.users[analystEN]
	q := n.say(analystEN, "/alert", T("alert_ask_class"))
	n.say(analystEN, "/broadcast", "Send the text in English")
	if _, err := u.WaitFor(bottest.Wait, func([]telegramtest.Message) bool { m, _ := u.Message(q.ID); return len(m.Buttons()) == 0 }); err != nil {
		t.Fatal("the replaced draft's question keeps its buttons")
	}
	if live := liveWith(u.Messages(), "ad:"); len(live) != 0 {
		t.Errorf("%d messages keep the draft's buttons", len(live))
	}
}
