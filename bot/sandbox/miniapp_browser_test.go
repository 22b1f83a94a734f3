package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// With CONFIDENTIAL_CONTENT the Uzbek focal point's alert arrives as a header and Open; Open
// brings up the Mini App in the page's overlay (initData signed by the emulator), showing the
// content; the overlay's main button acknowledges; then a new alert is written in the Mini
// App's form, refused for a wrong container check digit, corrected and submitted; a
// confidential request for information and a confidential broadcast open from their Open
// buttons with their text shown, the request's target replies there with files, and the
// main button acknowledges the broadcast. No JavaScript error in the page or in the Mini App,
// and on a 360 px phone every page of it reads without scrolling sideways, labels above
// their fields (PhoneLayout; screenshots with FOCALBOT_SCREENSHOTS).
func TestBrowserMiniApp(t *testing.T) {
	sb := startConfidentialSandbox(t)
	ctx := context.Background()
	st := sb.Store
	author, reader, analystM := persona(t, sb, kazakh), persona(t, sb, uzbek), persona(t, sb, analyst)
	const container = "MSKU 123456-5"
	now := sb.App.Clock.Now()
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container",
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: container, Norm: "MSKU1234565"}}, Text: "Check the rear wall, seal " + longSeal, Lang: "en"}
	id, ref := submittedAlert(t, sb, author, c, now)
	if _, err := store.DecideAlert(ctx, st.DB, id, 1, store.AlertPublished, analystM.ID, "", "UZ", now); err != nil {
		t.Fatal(err)
	}
	if err := store.AddRecipients(ctx, st.DB, id, []int64{reader.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := delivery.Enqueue(ctx, st.DB, []delivery.Item{{MemberID: reader.ID, ChatID: reader.ChatID, Kind: "alert",
		RefID: id, Priority: delivery.Urgent}}); err != nil {
		t.Fatal(err)
	}

	p := openPage(t, sb)
	p.SetWindowSize(phoneWidth, phoneHeight)
	p.as(uzbek)
	p.waitLastBot("the alert's header", `t.indexOf(arguments[0]) >= 0`, ref)
	p.clickWhere("Open", `return document.querySelector("#messages .msg.bot button.kbtn[data-web-app]")`)
	p.waitFor("the overlay", wait, nil, `return !document.getElementById("webapp").hidden`)
	p.waitFor("the main button", wait, nil, `var b = document.getElementById("webapp-main"); return !b.hidden && b.textContent.length > 0`)

	frame := p.find("#webapp-frame")
	p.must(p.do("POST", p.path("/frame"), map[string]any{"id": map[string]string{elementKey: frame}}, nil))
	var shown string
	p.waitFor("the alert in the Mini App", wait, &shown, `var a = document.getElementById("app-alert"); return a ? a.innerText : null`)
	if !strings.Contains(shown, container) {
		t.Errorf("the Mini App shows %q, want the container %s", shown, container)
	}
	p.noErrors()
	p.PhoneLayout("alert")
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))

	// The main button acknowledges.
	p.click(p.find("#webapp-main"))
	p.must(p.do("POST", p.path("/frame"), map[string]any{"id": map[string]string{elementKey: frame}}, nil))
	p.waitFor("the acknowledgement", wait, nil, `return !!document.getElementById("app-notice")`)
	if ok, err := store.Acked(ctx, st.DB, id, reader.ID); err != nil || !ok {
		t.Fatalf("not acknowledged: %v", err)
	}

	// A new alert from the Mini App's form: a wrong check digit, then corrected.
	p.clickWhere("New alert", `return document.getElementById("app-new")`)
	p.waitFor("the form", wait, nil, `return !!document.getElementById("in-container")`)
	p.PhoneLayout("new-alert")
	p.js(nil, `var s = document.getElementById("in-classification"); s.selectedIndex = 1; s.dispatchEvent(new Event("input", {bubbles: true}));
		var v = document.getElementById("in-conveyance"); v.selectedIndex = 1; v.dispatchEvent(new Event("input", {bubbles: true}));`)
	p.typeInto(p.find("#in-container"), "TGHU 876543-2")
	p.typeInto(p.find("#in-text"), "Seen on the scanner")
	// A file chosen by mistake goes up at once and comes off again with Remove, the form as
	// typed both times.
	mistake := filepath.Join(t.TempDir(), "not-this-one.pdf")
	if err := os.WriteFile(mistake, []byte("%PDF-1.4 wrong scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.typeInto(p.find("#in-file"), mistake)
	p.waitFor("the uploaded file", wait, nil, `var f = document.getElementById("app-files"); return f && f.innerText.indexOf("not-this-one.pdf") >= 0`)
	p.PhoneLayout("new-alert-file")
	p.click(p.find("button[data-remove]"))
	p.waitFor("the file removed", wait, nil, `return !document.getElementById("app-files") && document.getElementById("in-container").value === "TGHU 876543-2"`)
	p.click(p.find("#app-submit"))
	p.waitFor("the check digit refused", wait, nil, `return !!document.querySelector("#field-container.wrong .problem")`)
	// Sent from the form's end, the form comes back showing its problem, not its end.
	var seen bool
	p.js(&seen, `var r = document.querySelector("#field-container.wrong").getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight`)
	if !seen {
		t.Error("the refused form does not show the container's problem on the screen")
	}
	p.PhoneLayout("new-alert-refused")
	p.js(nil, `document.getElementById("in-container").value = ""`)
	p.typeInto(p.find("#in-container"), "TGHU 876543-"+string(rune('0'+alert.ContainerCheckDigit("TGHU876543")%10)))
	p.click(p.find("#app-submit"))
	var done string
	p.waitFor("the submission", wait, &done, `var m = document.getElementById("message"); return m ? m.innerText : null`)
	if !strings.Contains(done, "ALR-") {
		t.Errorf("after submitting: %q", done)
	}
	p.noErrors()
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))
	p.noErrors()
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM alerts WHERE author_id = $1 AND state = 'submitted'`, reader.ID); err != nil || n != 1 {
		t.Errorf("alerts submitted by the Uzbek focal point: %d, %v", n, err)
	}
	p.click(p.find("#webapp-close"))
	p.waitFor("the overlay closed", wait, nil, `return document.getElementById("webapp").hidden`)

	// A confidential request for information to the Uzbek focal point: its Open shows the
	// request's text in the Mini App.
	const body = "Who is the consignee of container TGHU 765432-1?"
	var rfiRef string
	var err error
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		if rfiRef, err = store.NextRFIRef(ctx, tx, now.Year()); err != nil {
			return err
		}
		x := store.RFI{Ref: rfiRef, RequesterID: author.ID, TargetCountries: pq.StringArray{"UZ"}, Urgency: store.RFIUrgent,
			ReplyBy: now.Add(24 * time.Hour), EscalateAt: now.Add(48 * time.Hour), CreatedAt: now}
		if x.ID, err = store.InsertRFI(ctx, tx, x); err != nil {
			return err
		}
		if err := store.InsertRFIRecipients(ctx, tx, []store.RFIRecipient{
			{RFIID: x.ID, MemberID: reader.ID, Role: store.RFITarget, Pool: "UZ", UpdatedAt: now}}); err != nil {
			return err
		}
		if _, err := store.InsertRFIMessage(ctx, tx, store.RFIMessage{RFIID: x.ID, AuthorID: &author.ID, Kind: store.RFIMsgRequest,
			Body: body, Lang: "en", CreatedAt: now}); err != nil {
			return err
		}
		return rfi.Enqueue(ctx, tx, &x, []int64{reader.ID}, rfi.KindRequest, x.ID, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	shown = p.openWebApp("the request", "/app/requests/"+rfiRef, "app-request")
	if !strings.Contains(shown, body) {
		t.Errorf("the request's Mini App shows %q, want its text", shown)
	}
	p.PhoneLayout("request")
	// A reply with a file, sent by the page's script as a multipart form: the server keeps the
	// file with the reply and lists it in the thread.
	// A second file's long name, with no break in it, must wrap on the phone.
	p.js(nil, `var dt = new DataTransfer(); dt.items.add(new File(["bill of lading TGHU 765432-1"], "bl.txt", {type: "text/plain"}));
		dt.items.add(new File(["seal"], arguments[0] + ".pdf", {type: "application/pdf"}));
		document.getElementById("app-reply-files").files = dt.files;`, longSeal)
	p.typeInto(p.find("#app-reply-text"), "A trading company in Almaty")
	p.click(p.find("#app-reply"))
	p.waitFor("the reply's file in the thread", wait, nil,
		`return Array.from(document.querySelectorAll("#app-thread a[data-app-file]")).some(a => a.textContent === "bl.txt")`)
	if err := st.DB.Get(&n, `SELECT count(*) FROM app_files f JOIN rfi_messages m ON m.id = f.rfi_message_id
		WHERE m.kind = 'reply' AND f.name = 'bl.txt' AND f.size = 28`); err != nil || n != 1 {
		t.Errorf("the reply's file kept by the server: %d, %v", n, err)
	}
	p.noErrors()
	p.PhoneLayout("request-replied")
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))
	p.click(p.find("#webapp-close"))
	p.waitFor("the overlay closed", wait, nil, `return document.getElementById("webapp").hidden`)

	// A confidential broadcast to Uzbekistan asking for acknowledgement: its Open shows the
	// text, and the overlay's main button acknowledges it.
	const text = "Controlled delivery through Termez on Friday"
	bcID, err := store.CreateBroadcastDraft(ctx, st.DB, analystM.ID, "en", text, "", "")
	if err != nil {
		t.Fatal(err)
	}
	bc, err := store.BroadcastByID(ctx, st.DB, bcID)
	if err != nil {
		t.Fatal(err)
	}
	bc.Countries, bc.AckRequested, bc.Confidential = pq.StringArray{"UZ"}, true, true
	if err := store.UpdateBroadcastDraft(ctx, st.DB, bc); err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(tx *sqlx.Tx) error { // as the broadcast's Send does (handlers/broadcast)
		if _, err := store.TransitionBroadcast(ctx, tx, bcID, analystM.ID, store.BroadcastDraft, store.BroadcastSent); err != nil {
			return err
		}
		to, err := store.BroadcastAudience(ctx, tx, bc)
		if err != nil {
			return err
		}
		if err := store.RecordBroadcastSent(ctx, tx, bcID, now, to); err != nil {
			return err
		}
		items := make([]delivery.Item, len(to))
		for i, m := range to {
			items[i] = delivery.Item{MemberID: m.MemberID, ChatID: m.ChatID, Kind: "broadcast", RefID: bcID, Priority: delivery.Priority(bc.Priority)}
		}
		_, err = delivery.Enqueue(ctx, tx, items)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	shown = p.openWebApp("the broadcast", "/app/broadcasts/"+strconv.FormatInt(bcID, 10), "app-broadcast-text")
	if !strings.Contains(shown, text) {
		t.Errorf("the broadcast's Mini App shows %q, want its text", shown)
	}
	p.PhoneLayout("broadcast")
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))
	p.waitFor("the main button to acknowledge", wait, nil, `var b = document.getElementById("webapp-main"); return !b.hidden && b.textContent.length > 0`)
	p.click(p.find("#webapp-main"))
	p.must(p.do("POST", p.path("/frame"), map[string]any{"id": map[string]string{elementKey: p.find("#webapp-frame")}}, nil))
	var notice string
	p.waitFor("the broadcast's acknowledgement", wait, &notice, `var n = document.getElementById("app-notice"); return n ? n.innerText : null`)
	if notice == "" || p.has("#app-ack") {
		t.Errorf("after acknowledging: the notice %q, the Acknowledge button still there: %v", notice, p.has("#app-ack"))
	}
	if _, acked, err := store.BroadcastRecipient(ctx, st.DB, bcID, reader.ID); err != nil || !acked {
		t.Errorf("the broadcast is not acknowledged: %v", err)
	}
	p.noErrors()
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))
	p.waitFor("the main button hidden", wait, nil, `return document.getElementById("webapp-main").hidden`)
	p.noErrors()
}

// openWebApp taps the web_app button whose address ends in path, on the bot's message that
// carries it, and switches into the Mini App's frame; it returns the text of the element
// with the given id once the Mini App shows it.
func (p *page) openWebApp(what, path, id string) string {
	p.t.Helper()
	p.clickWhere(what+"'s Open", `return Array.from(document.querySelectorAll("#messages .msg.bot button.kbtn[data-web-app]"))
		.filter(b => b.dataset.webApp.endsWith(arguments[0])).pop() || null`, path)
	p.waitFor("the overlay", wait, nil, `return !document.getElementById("webapp").hidden`)
	p.must(p.do("POST", p.path("/frame"), map[string]any{"id": map[string]string{elementKey: p.find("#webapp-frame")}}, nil))
	var shown string
	p.waitFor(what+" in the Mini App", wait, &shown, `var a = document.getElementById(arguments[0]); return a ? a.innerText : null`, id)
	return shown
}

// A phone's window (the narrow end of what members read on), and a seal number with no
// break in it, which the Mini App must wrap rather than widen the page for.
const (
	phoneWidth, phoneHeight = 360, 780
	longSeal                = "EUSEAL-2026-0000123456789012345678901234567890"
)

// has reports whether the current document has an element matching the CSS selector.
func (p *page) has(selector string) bool {
	var ok bool
	p.js(&ok, `return !!document.querySelector(arguments[0])`, selector)
	return ok
}
