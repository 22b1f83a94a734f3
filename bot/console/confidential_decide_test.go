package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
)

// In confidential mode an analyst returns or rejects a submitted alert on its Mini App page,
// with the reason typed there: the chat's Return and Reject answer with Open and begin no
// conversation. Of two analysts deciding at once one decision stands and the other is told
// who decided; the author gets the reference, outcome and Open, and reads the reason on the
// page; the analysts' copies in the chat are marked. A focal point's decision is answered as
// for a missing alert, a forged CSRF token is refused, and neither changes anything. Neither
// the content nor the reason reaches Telegram.
func TestConfidentialDecideInMiniApp(t *testing.T) {
	const authorUID, johnUID, olgaUID = 8801, 8802, 8803
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, johnUID: {"John", store.RoleAnalyst, ""}, olgaUID: {"Olga", store.RoleAnalyst, ""}})
	ctx := context.Background()
	author, john, olga := h.Person(authorUID, "Aliya", "en"), h.Person(johnUID, "John", "en"), h.Person(olgaUID, "Olga", "en")
	al := submitted(t, h, ms[authorUID], ms[johnUID], "MSKU 123456-5", "SECRET-DESC hidden in the evaporator")
	if _, err := delivery.Enqueue(ctx, h.Store.DB, []delivery.Item{{MemberID: ms[olgaUID].ID, ChatID: ms[olgaUID].ChatID,
		Kind: "alert_verify", RefID: al.ID, Variant: "r1", Priority: delivery.Urgent}}); err != nil {
		t.Fatal(err)
	}
	state := func() (string, string) {
		t.Helper()
		got, err := store.AlertByID(ctx, h.Store.DB, al.ID)
		if err != nil {
			t.Fatal(err)
		}
		reason := ""
		if got.Reason != nil {
			reason = *got.Reason
		}
		return got.State, reason
	}
	verifyButton := func(m telegramtest.Message, verb string) string {
		for _, b := range m.Buttons() {
			if strings.HasPrefix(b.CallbackData, fmt.Sprintf("av:%d:", al.ID)) && strings.HasSuffix(b.CallbackData, ":"+verb) {
				return b.CallbackData
			}
		}
		return ""
	}

	// The chat's Return for changes answers with Open to the alert's page; no reason is asked.
	verify := john.WaitText(al.Ref)
	john.ClickData(verify.ID, verifyButton(verify, "r"))
	open := john.WaitMore("written in the app")
	page := appURL(t, open)
	if page == "" || !strings.HasSuffix(page, "/app/alerts/"+al.Ref) {
		t.Fatalf("Return in confidential mode: %q, Open to %q", open.Plain(), page)
	}
	if n := john.Count("Why is "); n != 0 {
		t.Errorf("Return in confidential mode asked for a reason in the chat (%d)", n)
	}
	if m, _ := john.Message(verify.ID); verifyButton(m, "x") == "" {
		t.Errorf("the verification lost its decisions though nothing was decided: %+v", m.Buttons())
	}

	johnInit, olgaInit, authorInit := john.InitData(h.Clock.Now()), olga.InitData(h.Clock.Now()), author.InitData(h.Clock.Now())
	form := func(state, rev, reason string) url.Values {
		return url.Values{"state": {state}, "revision": {rev}, "reason": {reason}}
	}
	// The form is the analysts': the author (who reads the page) gets neither it nor a decision.
	if _, html := appPost(t, page, authorInit, ""); strings.Contains(html, "/decide") {
		t.Error("the author's page offers the decision form")
	}
	if code, html := appChange(t, page, "/decide", authorInit, form("returned", "1", "SECRET-FP")); code != http.StatusNotFound || strings.Contains(html, "SECRET") {
		t.Errorf("a focal point's decision: %d", code)
	}
	// A forged CSRF token is refused.
	if code, _ := postForm(page+"/decide", url.Values{"init_data": {johnInit}, "csrf": {"forged"}, "state": {"returned"},
		"revision": {"1"}, "reason": {"SECRET-FORGED"}}); code != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", code)
	}
	// A reason too long is refused as in the chat, its text kept in the form; a decision on
	// another revision is refused as superseded.
	long := strings.Repeat("SECRET-LONG ", 100)
	if code, html := appChange(t, page, "/decide", johnInit, form("rejected", "1", long)); code != http.StatusOK ||
		!strings.Contains(html, "at most 1000 fit") || !strings.Contains(html, strings.TrimSpace(long)) {
		t.Errorf("a reason too long: %d %s", code, html)
	}
	if code, html := appChange(t, page, "/decide", johnInit, form("rejected", "2", "SECRET-OLD")); code != http.StatusOK ||
		!strings.Contains(html, "replaced by revision 1") {
		t.Errorf("a decision on another revision: %d %s", code, html)
	}
	if st, reason := state(); st != store.AlertSubmitted || reason != "" {
		t.Fatalf("refused decisions changed the alert: %s %q", st, reason)
	}

	// John and Olga decide at once: one decision stands, the other is told who decided.
	csrf := func(init string) string {
		code, html := appPost(t, page, init, "")
		if code != http.StatusOK || !strings.Contains(html, `action="/app/alerts/`+al.Ref+`/decide"`) {
			t.Fatalf("an analyst's page has no decision form: %d %s", code, html)
		}
		return csrfOf(t, html)
	}
	johnCSRF, olgaCSRF := csrf(johnInit), csrf(olgaInit)
	type result struct {
		code int
		html string
	}
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, d := range []struct{ init, csrf, state, reason string }{
		{johnInit, johnCSRF, store.AlertReturned, "SECRET-REASON-JOHN the seal number is wrong"},
		{olgaInit, olgaCSRF, store.AlertRejected, "SECRET-REASON-OLGA duplicate of an earlier alert"},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := form(d.state, "1", d.reason)
			v.Set("init_data", d.init)
			v.Set("csrf", d.csrf)
			results[i].code, results[i].html = postForm(page+"/decide", v)
		}()
	}
	wg.Wait()
	st, reason := state()
	winner, loser, notice, by := 0, 1, "was returned to its author", "John"
	if st == store.AlertRejected {
		winner, loser, notice, by = 1, 0, "was rejected; the author is told", "Olga"
	}
	if results[winner].code != http.StatusOK || !strings.Contains(results[winner].html, notice) {
		t.Errorf("the decision that stood: %d %s", results[winner].code, results[winner].html)
	}
	if results[loser].code != http.StatusOK || !strings.Contains(results[loser].html, "already decided by "+by) {
		t.Errorf("the decision that came second: %d %s", results[loser].code, results[loser].html)
	}
	if !strings.HasPrefix(reason, "SECRET-REASON-"+strings.ToUpper(by)) {
		t.Errorf("the alert after the race: %s %q", st, reason)
	}

	// The author: reference, outcome and Open; the reason on the page.
	said := map[string]string{store.AlertReturned: "returned for changes", store.AlertRejected: "was not published"}[st]
	got := author.WaitText(said)
	if !strings.Contains(got.Plain(), al.Ref) || strings.Contains(got.Plain(), "SECRET") || appURL(t, got) != page {
		t.Errorf("decision notice: %q, Open to %q", got.Plain(), appURL(t, got))
	}
	if code, html := appPost(t, page, authorInit, ""); code != http.StatusOK || !strings.Contains(html, reason) {
		t.Errorf("the author's page lacks the reason: %d %s", code, html)
	}
	// Both analysts' copies are marked with the decision, their decision buttons gone.
	h.WaitIdle()
	for _, p := range []*struct {
		name string
		msgs func(int) (telegramtest.Message, bool)
		id   int
	}{{"John", john.Message, verify.ID}, {"Olga", olga.Message, olga.WaitText(al.Ref).ID}} {
		h.WaitIdle()
		m, _ := p.msgs(p.id)
		if verifyButton(m, "r") != "" || verifyButton(m, "x") != "" || !strings.Contains(m.Plain(), by) {
			t.Errorf("%s's verification after the decision: %q %+v", p.name, m.Plain(), m.Buttons())
		}
	}
	noneSent(t, h, "SECRET", "MSKU")
}

// postForm posts a form and returns the status and body; errors are returned as a 0 status
// (it runs outside the test's goroutine).
func postForm(target string, v url.Values) (int, string) {
	resp, err := http.PostForm(target, v)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// decideInApp returns or rejects al with reason, as analyst, on the alert's Mini App page.
func decideInApp(t *testing.T, h *bottest.Harness, analyst *bottest.Person, al *store.Alert, state, reason string) {
	t.Helper()
	al, err := store.AlertByID(context.Background(), h.Store.DB, al.ID) // its revision as stored
	if err != nil {
		t.Fatal(err)
	}
	page := h.App().ConsoleURL() + "/app/alerts/" + al.Ref
	code, html := appChange(t, page, "/decide", analyst.InitData(h.Clock.Now()),
		url.Values{"state": {state}, "revision": {fmt.Sprint(al.Revision)}, "reason": {reason}})
	if code != http.StatusOK || !strings.Contains(html, al.Ref) || !strings.Contains(html, "app-notice") {
		t.Fatalf("%s in the Mini App: %d %s", state, code, html)
	}
}
