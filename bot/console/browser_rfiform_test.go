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
// error, console error or Content-Security-Policy violation fails the test.
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
	b.Open(page + "#tgWebAppData=" + url.QueryEscape(asker.InitData(h.Clock.Now())))
	b.WaitFor("the request form", browserWait, nil, `return document.getElementById("app-request-form")`)
	b.NoErrors()

	named := strconv.FormatInt(ms[namedUID].ID, 10)
	b.Click(b.Find(`#field-targets input[name=country][value="UZ"]`))
	b.Click(b.Find(`#in-member option[value="` + named + `"]`))
	b.TypeInto(b.Find("#in-reply-by-typed"), "next friday")
	b.TypeInto(b.Find("#in-alert"), strings.ToLower(own.Ref))
	b.TypeInto(b.Find("#in-text"), secret)
	screens(b, "request-form")
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
	screens(b, "request-sent")

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
}
