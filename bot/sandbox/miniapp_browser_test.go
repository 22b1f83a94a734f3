package sandbox_test

import (
	"context"
	"strings"
	"testing"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/sandbox"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/handlers"
)

// With CONFIDENTIAL_CONTENT the Uzbek focal point's alert arrives as a header and Open; Open
// brings up the Mini App in the page's overlay (initData signed by the emulator), showing the
// content; the overlay's main button acknowledges; then a new alert is written in the Mini
// App's form, refused for a wrong container check digit, corrected and submitted. No
// JavaScript error in the page or in the Mini App.
func TestBrowserMiniApp(t *testing.T) {
	_, dbURL := storetest.New(t)
	cfg, err := bot.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConfidentialContent = true
	sb, err := sandbox.Start(context.Background(), sandbox.Options{
		Addr: "127.0.0.1:0", DatabaseURL: dbURL, Register: handlers.Register, Log: bottest.Logger(), Config: cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Stop)
	ctx := context.Background()
	st := sb.Store
	author, err := store.MemberByTelegramID(ctx, st.DB, kazakh)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := store.MemberByTelegramID(ctx, st.DB, uzbek)
	if err != nil {
		t.Fatal(err)
	}
	analystM, err := store.MemberByTelegramID(ctx, st.DB, analyst)
	if err != nil {
		t.Fatal(err)
	}
	const container = "MSKU 123456-5"
	now := sb.App.Clock.Now()
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container",
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: container, Norm: "MSKU1234565"}}, Text: "Check the rear wall", Lang: "en"}
	ref, err := store.NextAlertRef(ctx, st.DB, now.Year())
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.InsertAlert(ctx, st.DB, &store.Alert{Ref: ref, AuthorID: author.ID, AuthorCountry: author.Country,
		Classification: c.Classification, Content: c, SubmittedAt: now})
	if err != nil {
		t.Fatal(err)
	}
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
	p.SetWindowSize(1100, 900)
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
	p.js(nil, `var s = document.getElementById("in-classification"); s.selectedIndex = 1; s.dispatchEvent(new Event("input", {bubbles: true}));
		var v = document.getElementById("in-conveyance"); v.selectedIndex = 1; v.dispatchEvent(new Event("input", {bubbles: true}));`)
	p.typeInto(p.find("#in-container"), "TGHU 876543-2")
	p.typeInto(p.find("#in-text"), "Seen on the scanner")
	p.click(p.find("#app-submit"))
	p.waitFor("the check digit refused", wait, nil, `return !!document.querySelector("#field-container.wrong .problem")`)
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
}
