package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"focalbot/bot/store"
)

// With CONFIDENTIAL_CONTENT, /ask answers with Open to the Mini App's request form: the
// request is written and sent there, created by the chat's own code, and its text never
// passes through Telegram — the target receives its header and Open. A change without the
// CSRF token, and anyone who is not an active member, are refused.
func TestConfidentialRequestForm(t *testing.T) {
	const askerUID, targetUID, analystUID, observerUID, strangerUID = 8501, 8502, 8503, 8504, 8509
	h, _ := confidentialNet(t, map[int64][3]string{
		askerUID: {"Aliya", store.RoleFocalPoint, "KZ"}, targetUID: {"Dilshod", store.RoleFocalPoint, "UZ"},
		analystUID: {"John", store.RoleAnalyst, ""}, observerUID: {"Olga", store.RoleObserver, ""}})
	const secret = "SECRET-RFIFORM container MSKU 1234565"
	asker, target, analyst, stranger := h.Person(askerUID, "Aliya", "en"), h.Person(targetUID, "Dilshod", "en"),
		h.Person(analystUID, "John", "en"), h.Person(strangerUID, "Nobody", "en")

	asker.Say("/ask")
	page := appURL(t, asker.WaitText("Write your request in the form"))
	if !strings.HasSuffix(page, "/app/requests/new") {
		t.Fatalf("/ask offers no Open to the form: %q", page)
	}
	code, html := appPost(t, page, asker.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, `id="app-request-form"`) || !strings.Contains(html, "Uzbekistan") {
		t.Fatalf("the form: %d %s", code, html)
	}

	// Without the CSRF token (or with a wrong one) nothing is sent.
	fields := url.Values{"country": {"UZ"}, "urgency": {"urgent"}, "reply_by": {"24h"}, "text": {secret},
		"init_data": {asker.InitData(h.Clock.Now())}, "csrf": {"forged"}}
	resp, err := http.PostForm(page+"/submit", fields)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", resp.StatusCode)
	}
	// Someone who is not a member opens nothing and sends nothing.
	if code, _ := appPost(t, page, stranger.InitData(h.Clock.Now()), ""); code != http.StatusForbidden {
		t.Errorf("a non-member opened the form: %d", code)
	}
	fields.Set("init_data", stranger.InitData(h.Clock.Now()))
	if resp, err := http.PostForm(page+"/submit", fields); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a non-member's submission: %d", resp.StatusCode)
	}
	// An observer asks nothing, in the Mini App as in the chat.
	if code, _ := appPost(t, page, h.Person(observerUID, "Olga", "en").InitData(h.Clock.Now()), ""); code != http.StatusForbidden {
		t.Errorf("an observer opened the form: %d", code)
	}
	var n int
	if err := h.Store.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM rfis`); err != nil || n != 0 {
		t.Fatalf("refused submissions created %d requests (%v)", n, err)
	}

	// No target chosen: refused on the form, as in the chat.
	if code, html := appChange(t, page, "/submit", asker.InitData(h.Clock.Now()), url.Values{"urgency": {"routine"}, "reply_by": {"2h"}, "text": {secret}}); code != http.StatusOK || !strings.Contains(html, "Choose at least one country") {
		t.Errorf("a request without a target: %d %s", code, html)
	}

	// A country without an active focal point, and a text over the limit, are refused as in the chat.
	if _, html := appChange(t, page, "/submit", asker.InitData(h.Clock.Now()), url.Values{"country": {"TJ"}, "urgency": {"routine"}, "reply_by": {"2h"}, "text": {secret}}); !strings.Contains(html, "No active focal point in") {
		t.Errorf("a country without a focal point: %s", html)
	}
	if _, html := appChange(t, page, "/submit", asker.InitData(h.Clock.Now()), url.Values{"country": {"UZ"}, "urgency": {"routine"}, "reply_by": {"2h"}, "text": {strings.Repeat("x", 3001)}}); !strings.Contains(html, "3001") {
		t.Errorf("a text over the limit: %s", html)
	}
	code, html = appChange(t, page, "/submit", asker.InitData(h.Clock.Now()),
		url.Values{"country": {"UZ"}, "urgency": {"urgent"}, "reply_by": {"24h"}, "text": {secret}})
	if code != http.StatusOK || !strings.Contains(html, "RFI-") {
		t.Fatalf("the submission: %d %s", code, html)
	}
	got := target.WaitText("New request for information")
	ref := regexp.MustCompile(`RFI-\d{4}-\d+`).FindString(html)
	if ref == "" || !strings.Contains(got.Plain(), ref) {
		t.Fatalf("the target's header %q lacks the reference %q", got.Plain(), ref)
	}
	if open := appURL(t, got); !strings.HasSuffix(open, "/app/requests/"+ref) {
		t.Fatalf("the target has no Open to %s: %q %+v", ref, got.Plain(), got.Buttons())
	}
	analyst.WaitText("New request for information")
	// The target reads the text in the Mini App.
	if code, html := appPost(t, strings.TrimSuffix(page, "new")+ref, target.InitData(h.Clock.Now()), ""); code != http.StatusOK || !strings.Contains(html, "MSKU 1234565") {
		t.Fatalf("the target's Mini App page: %d %s", code, html)
	}
	noneSent(t, h, "SECRET-RFIFORM", "MSKU")
}
