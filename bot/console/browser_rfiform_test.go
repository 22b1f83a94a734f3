package console_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/sandbox/webdriver"
	"focalbot/bot/store"
)

// The Mini App's request form in a browser (CONFIDENTIAL_CONTENT), opened at the address of
// /ask's Open with the initData Telegram would give it: a country and a named member are
// chosen, a reply-by time is typed that cannot be read and is refused (what was filled in
// stays), then corrected; the alert the request is about is typed; the request is sent and
// its page shows its targets, its deadline in the writer's zone and its alert. Both the
// country's focal point and the named member receive it, without its text. Any JavaScript
// error, console error or Content-Security-Policy violation fails the test. On a 360 px phone
// the form and the request's page read without scrolling sideways, labels above their
// fields, and so do the form and the alert's page for a member who reads Pashto, right to
// left (PhoneLayout; screenshots with FOCALBOT_SCREENSHOTS).
func TestBrowserRequestForm(t *testing.T) {
	const askerUID, namedUID, uzUID, analystUID = 8801, 8802, 8803, 8804
	h, ms := confidentialNet(t, map[int64][3]string{
		askerUID: {"Aliya", store.RoleFocalPoint, "KZ"}, namedUID: {"Rustam", store.RoleFocalPoint, "TJ"},
		uzUID: {"Dilshod", store.RoleFocalPoint, "UZ"}, analystUID: {"John", store.RoleAnalyst, ""}})
	ctx := context.Background()
	const secret = "SECRET-BROWSER who loaded container TGHU 765432-1"
	asker, rustam, dilshod := h.Person(askerUID, "Aliya", "en"), h.Person(namedUID, "Rustam", "en"), h.Person(uzUID, "Dilshod", "en")
	own := submitted(t, h, ms[askerUID], ms[analystUID], "MSKU 123456-5", "SECRET-ALERT own")

	asker.Say("/ask")
	page := appURL(t, asker.WaitText("Write your request in the form"))
	if !strings.HasSuffix(page, "/app/requests/new") {
		t.Fatalf("/ask offers no Open to the form: %q", page)
	}
	b := webdriver.Start(t)
	b.SetWindowSize(360, 780)
	b.Open(page + "#tgWebAppData=" + url.QueryEscape(asker.InitData(h.Clock.Now())))
	b.WaitFor("the request form", browserWait, nil, `return document.getElementById("app-request-form")`)
	b.NoErrors()

	named := strconv.FormatInt(ms[namedUID].ID, 10)
	b.Click(b.Find(`#field-targets input[name=country][value="UZ"]`))
	b.Click(b.Find(`#in-member option[value="` + named + `"]`))
	b.TypeInto(b.Find("#in-reply-by-typed"), "next friday")
	b.TypeInto(b.Find("#in-alert"), strings.ToLower(own.Ref))
	b.TypeInto(b.Find("#in-text"), secret)
	b.PhoneLayout("request-form")
	b.Click(b.Find("#app-submit"))
	var notice string
	b.WaitFor("the reply-by time refused", browserWait, &notice, `var n = document.getElementById("app-notice"); return n && document.getElementById("app-request-form") ? n.innerText : null`)
	if !strings.Contains(notice, "I could not read that time") || !strings.Contains(notice, "UTC+5") {
		t.Errorf("the refusal of an unreadable time: %q", notice)
	}
	var kept []any
	b.JS(&kept, `return [document.querySelector('input[name=country][value="UZ"]').checked, document.getElementById("in-member").value,
		document.getElementById("in-reply-by-typed").value, document.getElementById("in-alert").value, document.getElementById("in-text").value]`)
	if len(kept) != 5 || kept[0] != true || kept[1] != named || kept[2] != "next friday" || kept[3] != strings.ToLower(own.Ref) || kept[4] != secret {
		t.Errorf("after the refusal the form keeps %v", kept)
	}
	if n := rfiCount(t, h.Store.DB); n != 0 {
		t.Fatalf("the refused form created %d requests", n)
	}
	b.NoErrors()

	b.JS(nil, `document.getElementById("in-reply-by-typed").value = ""`)
	b.TypeInto(b.Find("#in-reply-by-typed"), "36h")
	b.Click(b.Find("#app-submit"))
	var shown string
	b.WaitFor("the request sent", browserWait, &shown, `var a = document.getElementById("app-request"); return a ? a.innerText : null`)
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	deadline := h.Clock.Now().Add(36 * time.Hour).In(almaty).Format("2006-01-02 15:04")
	for _, want := range []string{"RFI-", "Uzbekistan", "Rustam", deadline + " (UTC+5)", own.Ref, secret} {
		if !strings.Contains(shown, want) {
			t.Errorf("the request's page lacks %q: %q", want, shown)
		}
	}
	b.NoErrors()
	b.PhoneLayout("request-sent")

	var ref string
	if err := h.Store.DB.GetContext(ctx, &ref, `SELECT ref FROM rfis`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*bottest.Person{rustam, dilshod} {
		if got := p.WaitText("New request for information"); !strings.Contains(got.Plain(), ref) || !strings.HasSuffix(appURL(t, got), "/app/requests/"+ref) {
			t.Errorf("%s's message: %q %+v", p.FirstName(), got.Plain(), got.Buttons())
		}
	}
	noneSent(t, h, "SECRET", "TGHU")

	// Right to left, in a dark theme: the form and the alert's page in Pashto, with the
	// colours a Telegram client in night mode gives: no box whose own colour leaves its text
	// unreadable (contrast under 3:1), as a light box with the theme's light text would.
	if _, err := h.Store.DB.ExecContext(ctx, `UPDATE members SET language = 'ps' WHERE id = $1`, ms[askerUID].ID); err != nil {
		t.Fatal(err)
	}
	const night = `{"bg_color":"#17212b","text_color":"#f5f5f5","hint_color":"#708499","link_color":"#6ab3f3",` +
		`"button_color":"#5288c1","button_text_color":"#ffffff","secondary_bg_color":"#232e3c"}`
	for _, v := range []struct{ name, path, id string }{
		{"request-form-ps", "/app/requests/new", "app-request-form"},
		{"alert-ps", "/app/alerts/" + own.Ref, "app-alert"},
	} {
		b.Open("about:blank") // the same address again would only move to its fragment
		b.Open(h.App().ConsoleURL() + v.path + "#" + url.Values{"tgWebAppData": {asker.InitData(h.Clock.Now())}, "tgWebAppThemeParams": {night}}.Encode())
		b.WaitFor(v.name, browserWait, nil, `return document.documentElement.dir === "rtl" && document.getElementById(arguments[0])`, v.id)
		b.NoErrors()
		b.PhoneLayout(v.name)
		var light []string
		b.JS(&light, `var body = getComputedStyle(document.body), out = [];
			if (body.backgroundColor !== "rgb(23, 33, 43)" || body.color !== "rgb(245, 245, 245)") out.push("body: " + body.backgroundColor + ", text " + body.color);
			document.querySelectorAll("main *").forEach(function (e) {
				var s = getComputedStyle(e), c = s.backgroundColor.match(/[\d.]+/g).map(Number), f = s.color.match(/[\d.]+/g).map(Number);
				function lum(x) { // WCAG's relative luminance
					var l = x.slice(0, 3).map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
					return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2];
				}
				var a = lum(c), b = lum(f), contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
				if (e.getClientRects().length && (c.length < 4 || c[3] > 0.5) && contrast < 3) {
					out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + e.className + ": " + s.backgroundColor + ", text " + s.color);
				}
			});
			return out`)
		if len(light) > 0 {
			t.Errorf("%s in a dark theme has text hard to read: %q", v.name, light)
		}
	}
}
