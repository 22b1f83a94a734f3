package sandbox_test

import (
	"context"
	"strings"
	"testing"
)

// A Kazakh focal point's guided alert on a phone (412 × 915), read from the page: at every
// step at most one message carries the conversation's live buttons (ad:…), the answered
// question shows its answer, and no button's label is cut. The alert, approved by the
// analyst, reaches the Urdu reader with the quantity typed in Kazakh ("18 т, 1200 қап") in
// its logical order, isolated from the Urdu around it. A multi-line form pasted into the
// composer is parsed into a review. Screenshots of the journey with FOCALBOT_SCREENSHOTS.
func TestBrowserGuidedAlertOnAPhone(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)
	p.SetWindowSize(412, 915)
	p.as(kazakh)

	shot := 0
	// settled waits until the step's question is the only message with live buttons of the
	// draft (the question before it closed), then checks that no label on screen is cut.
	settled := func(what, dataRE string, after int) {
		t.Helper()
		var n int
		p.waitFor(what+" as the only live panel", wait, &n, `var re = new RegExp(arguments[0]);
			var m = Array.from(document.querySelectorAll("#messages .msg.bot"));
			if (m.length <= arguments[1]) return null;
			var live = m.filter(x => Array.from(x.querySelectorAll("button.kbtn")).some(b => /^ad:/.test(b.dataset.data)));
			var last = m[m.length-1];
			var ok = live.length === 1 && live[0] === last && Array.from(last.querySelectorAll("button.kbtn")).some(b => re.test(b.dataset.data));
			return ok ? live.length : null`, dataRE, after)
		var cut []string
		p.js(&cut, `return Array.from(document.querySelectorAll("#messages .kbtn")).filter(b => b.scrollWidth > b.clientWidth).map(b => b.textContent)`)
		if len(cut) > 0 {
			t.Errorf("%s: labels cut on a phone: %q", what, cut)
		}
		shot++
		p.screenshot("alert-" + string(rune('a'+shot/10)) + string(rune('0'+shot%10)))
	}
	// answered checks that the question before the newest one shows the answer and has no
	// buttons left.
	answered := func(what, answer string) {
		t.Helper()
		var got string
		p.waitFor(what+" answered", wait, &got, `var m = document.querySelectorAll("#messages .msg.bot");
			for (var i = m.length - 2; i >= 0; i--) {
				var t = m[i].querySelector(".text").innerText;
				if (t.indexOf("✅") >= 0) return m[i].querySelector(".kbtn") ? "still has buttons: " + t : t;
			}
			return null`)
		if strings.HasPrefix(got, "still has buttons") || !strings.Contains(got, answer) {
			t.Errorf("%s: the answered question reads %q, want %q under it and no buttons", what, got, answer)
		}
	}
	press := func(what, dataRE, nextRE string) string {
		t.Helper()
		n := p.botCount()
		label := p.pressOnLast(what, dataRE)
		settled("the question after "+what, nextRE, n)
		return label
	}
	say := func(text, nextRE string) {
		t.Helper()
		n := p.botCount()
		p.send(text)
		settled("the question after "+text, nextRE, n)
	}

	p.send("/alert")
	settled("the classification question", `^ad:cls:`, 0)
	label := press("urgent", `^ad:cls:urgent$`, `^ad:drill:`)
	answered("the classification", label)
	press("a real alert", `^ad:drill:0$`, `^ad:conv:`)
	press("container", `^ad:conv:container$`, `^ad:ik:`)
	press("container number", `^ad:ik:container$`, `^ad:idone$`)
	say("MSCU1234566", `^ad:ik:`)
	answered("the container number", "MSCU1234566")
	press("Done with identifiers", `^ad:idone$`, `^ad:rr:`)
	press("loading", `^ad:rr:loading$`, `^ad:rdone$`)
	say("Алматы", `^ad:rr:`)
	answered("the place of loading", "KZALA")
	press("transit", `^ad:rr:transit$`, `^ad:rdone$`)
	say("PKKHI", `^ad:rr:`)
	press("destination", `^ad:rr:destination$`, `^ad:rdone$`)
	say("Тошкент", `^ad:rr:`)
	press("Done with the route", `^ad:rdone$`, `^ad:sub:`)
	press("heroin", `^ad:sub:heroin$`, `^ad:risk:`)
	press("Done with risks", `^ad:rkdone$`, `^ad:con:`)
	press("false wall", `^ad:con:false_wall$`, `^ad:skip$`)
	press("no goods", `^ad:skip$`, `^ad:skip$`)
	const quantity = "18 т, 1200 қап"
	say(quantity, `^ad:skip$`)
	answered("the quantity", quantity)
	press("no description", `^ad:skip$`, `^ad:skip$`)
	press("no files", `^ad:skip$`, `^ad:submit$`)
	reviewed := p.botCount()
	p.pressOnLast("Submit", `^ad:submit$`)
	// The review itself becomes the outcome, with Withdraw alone (no new message); no button
	// of the draft is left.
	p.waitLastBot("the submitted alert's reference", `/ALR-\d{4}-\d{6}/.test(t) && d.length === 1 && /^awd:/.test(d[0])`)
	if n := p.botCount(); n != reviewed {
		t.Errorf("Submit added %d messages; want the review edited into the outcome", n-reviewed)
	}
	var live int
	p.waitFor("no draft button left", wait, &live, `var n = Array.from(document.querySelectorAll("#messages .kbtn")).filter(b => /^ad:/.test(b.dataset.data)).length; return n === 0 ? 0 : null`)
	p.screenshot("alert-submitted")

	// The analyst approves it and publishes it to its default audience (Kazakhstan, Pakistan,
	// Uzbekistan: the route and the author's country).
	p.as(analyst)
	p.pressOnLast("Approve", `^av:\d+:\d+:a$`)
	p.waitLastBot("the audience screen", `d.some(x => /^apub:/.test(x))`)
	audience := p.botCount()
	p.pressOnLast("Publish", `^apub:`)
	p.waitLastBot("the published alert's outcome", `/ALR-\d{4}-\d{6}/.test(t) && d.some(x => /^(aas|aup|acx):/.test(x))`)
	if n := p.botCount(); n != audience {
		t.Errorf("Publish added %d messages; want the audience screen edited into the card", n-audience)
	}
	// The alert to verify loses its buttons and the audience screen becomes the card, with
	// those that still apply.
	var analystLive int
	p.waitFor("no decision button left", wait, &analystLive, `var n = Array.from(document.querySelectorAll("#messages .kbtn")).filter(b => /^(av|aaud|apub):/.test(b.dataset.data)).length; return n === 0 ? 0 : null`)
	p.screenshot("alert-published")

	// The Urdu reader: the quantity in its logical order, "18" before "қап", left to right in
	// an isolate inside the right-to-left message.
	p.as(pakistan)
	var order string
	p.waitFor("the alert with its quantity in the Urdu chat", wait, &order, `var q = arguments[0];
		var m = Array.from(document.querySelectorAll("#messages .msg.bot .text")).reverse().find(e => e.textContent.indexOf(q) >= 0);
		if (!m) return null;
		var w = document.createTreeWalker(m, NodeFilter.SHOW_TEXT), n;
		while ((n = w.nextNode())) {
			var i = n.data.indexOf(q);
			if (i < 0) continue;
			if (n.data.charAt(i-1) !== "\u2068") return "not isolated: " + JSON.stringify(n.data);
			var r = document.createRange();
			r.setStart(n, i); r.setEnd(n, i+1); var first = r.getBoundingClientRect();
			r.setStart(n, i+q.length-1); r.setEnd(n, i+q.length); var last = r.getBoundingClientRect();
			return first.left < last.left ? "ok" : "reordered: the last letter stands left of the first";
		}
		return "the quantity is split across elements";`, quantity)
	if order != "ok" {
		t.Errorf("the Urdu reader's quantity: %s", order)
	}
	p.screenshot("alert-urdu")

	// A form pasted into the composer (several lines at once) is parsed: the review comes back.
	p.as(kazakh)
	form := "/alert\nClassification: urgent alert\nConveyance: road vehicle\nVehicle plate: 01 A 123 BC\n" +
		"Loading: TJ\nDestination: PK Karachi\nDescription: Hidden compartment"
	n := p.botCount()
	p.js(nil, `var t = document.getElementById("text"); t.focus();
		var dt = new DataTransfer(); dt.setData("text/plain", arguments[0]);
		var e = new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true});
		if (t.dispatchEvent(e)) { t.setRangeText(arguments[0], t.selectionStart, t.selectionEnd, "end"); t.dispatchEvent(new Event("input", {bubbles: true})); }`, form)
	var lines int
	p.js(&lines, `return document.getElementById("text").value.split("\n").length`)
	if lines != 7 {
		t.Errorf("the pasted form holds %d lines in the composer, want 7", lines)
	}
	p.click(p.find("#send"))
	review := p.nextBot(n, "the review of the pasted form")
	if !strings.Contains(review, "01A123BC") && !strings.Contains(review, "01 A 123 BC") {
		t.Errorf("the pasted form's review reads %q, want the plate", review)
	}
	settled("the review of the pasted form", `^ad:submit$`, n)
	p.fitsScreen()

	// The page speaks the persona's language, and says when messages arrived below what is
	// on screen: reading further up, a message comes; the cue shows, and takes one down to it.
	var placeholder string
	p.js(&placeholder, `return document.getElementById("text").placeholder`)
	if want := sb.App.I18n.T("kk", "sandbox_placeholder", nil); placeholder != want {
		t.Errorf("the Kazakh persona's composer says %q, want %q", placeholder, want)
	}
	p.js(nil, `document.getElementById("messages").scrollTop = 0`)
	if _, err := sb.App.Send(context.Background(), kazakh, "reply", "Жаңа хабар", nil); err != nil {
		t.Fatal(err)
	}
	var cue string
	p.waitFor("the new-messages cue", wait, &cue, `var c = document.getElementById("new-cue"); return c.hidden ? null : c.textContent`)
	if want := sb.App.I18n.T("kk", "sandbox_new_messages", nil); !strings.Contains(cue, want) {
		t.Errorf("the cue reads %q, want %q", cue, want)
	}
	p.screenshot("new-messages-cue")
	p.click(p.find("#new-cue"))
	p.waitFor("the chat at its newest message, the cue gone", wait, nil, `var m = document.getElementById("messages"), c = document.getElementById("new-cue");
		return c.hidden && m.scrollHeight - m.scrollTop - m.clientHeight < 80`)
	p.noErrors()
}
