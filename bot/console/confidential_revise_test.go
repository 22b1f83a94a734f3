package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/store"
)

// In confidential mode a returned alert is revised in the Mini App: its author opens Revise on
// the alert's page, finds the form filled with the alert, changes a field and resubmits; the
// analysts get revision 2 under the same reference. The chat's Revise answers with Open, not
// with the content. Nobody else may revise (a missing alert to them), a change needs the CSRF
// token, and nothing of the content reaches Telegram.
func TestConfidentialReviseInMiniApp(t *testing.T) {
	const authorUID, analystUID, otherUID = 8701, 8702, 8703
	h, _ := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, analystUID: {"John", store.RoleAnalyst, ""}, otherUID: {"Dilshod", store.RoleFocalPoint, "UZ"}})
	author, analyst, other := h.Person(authorUID, "Aliya", "en"), h.Person(analystUID, "John", "en"), h.Person(otherUID, "Dilshod", "en")
	ctx := context.Background()
	base := h.App().ConsoleURL()
	en := func(id string) string { return h.App().I18n.T("en", id, nil) }
	container := "MSKU 123456-" + fmt.Sprint(alert.ContainerCheckDigit("MSKU123456"))
	secrets := []string{"MSKU", "123456", "SECRET-DESC", "SECRET-REASON", "SECRET-QTY"}

	// The author submits in the Mini App.
	authorInit := author.InitData(h.Clock.Now())
	code, form := appPost(t, base+"/app/new", authorInit, "")
	if code != http.StatusOK {
		t.Fatalf("form: %d %s", code, form)
	}
	csrf := csrfOf(t, form)
	fields := url.Values{"classification": {en(alert.Classifications.ID(alert.ClassUrgent))},
		"conveyance": {en(alert.Conveyances.ID("container"))}, "container": {container},
		"loading": {"KZALA"}, "destination": {"UZTAS"}, "quantity": {"SECRET-QTY 40 kg"},
		"text": {"SECRET-DESC hidden in the evaporator"}}
	code, done := appForm(t, base+"/app/new/submit", authorInit, csrf, fields)
	ref := regexp.MustCompile(`ALR-\d{4}-\d+`).FindString(done)
	if code != http.StatusOK || ref == "" {
		t.Fatalf("submit: %d %s", code, done)
	}
	al, err := store.AlertByRef(ctx, h.Store.DB, ref)
	if err != nil {
		t.Fatal(err)
	}

	// The analyst returns it with a reason, on its Mini App page.
	analyst.WaitText("(revision 1)")
	decideInApp(t, h, analyst, al, store.AlertReturned, "SECRET-REASON the quantity is wrong")
	notice := author.WaitText("returned for changes")
	page := appURL(t, notice)
	if page == "" {
		t.Fatalf("the decision has no Open button: %+v", notice.Buttons())
	}

	// The chat's Revise answers with Open, never with the content.
	revise := ""
	for _, b := range notice.Buttons() {
		if strings.HasPrefix(b.CallbackData, "arv:") {
			revise = b.CallbackData
		}
	}
	if revise == "" {
		t.Fatalf("the decision has no Revise button: %+v", notice.Buttons())
	}
	author.ClickData(notice.ID, revise)
	if told := author.WaitNew("is revised in the app"); appURL(t, told) != page {
		t.Errorf("the chat's Revise has no Open to the alert: %+v", told.Buttons())
	}

	// The alert's page offers Revise to its author only.
	if code, html := appPost(t, page, authorInit, ""); code != http.StatusOK || !strings.Contains(html, `id="app-revise"`) {
		t.Errorf("the author's page has no Revise: %d %s", code, html)
	}
	analystInit := analyst.InitData(h.Clock.Now())
	if code, html := appPost(t, page, analystInit, ""); code != http.StatusOK || strings.Contains(html, `id="app-revise"`) {
		t.Errorf("the analyst's page: %d, Revise shown %v", code, strings.Contains(html, `id="app-revise"`))
	}
	// The form comes filled with the returned alert.
	code, rform := appPost(t, page+"/revise", authorInit, "")
	for _, want := range []string{`value="` + container + `"`, `value="KZALA"`, "SECRET-QTY 40 kg", "SECRET-DESC hidden in the evaporator",
		`action="/app/alerts/` + ref + `/revise/submit"`} {
		if code != http.StatusOK || !strings.Contains(rform, want) {
			t.Errorf("the revise form lacks %q: %d %s", want, code, rform)
		}
	}
	csrf = csrfOf(t, rform)

	// Someone other than the author: a missing alert, the form as its submission.
	otherInit := other.InitData(h.Clock.Now())
	_, otherForm := appPost(t, base+"/app/new", otherInit, "")
	fields.Set("quantity", "SECRET-QTY 4 kg")
	for name, c := range map[string]struct{ init, csrf string }{
		"another focal point": {otherInit, csrfOf(t, otherForm)}, "the analyst": {analystInit, csrfOf(t, appPage(t, page, analystInit))}} {
		if code, html := appPost(t, page+"/revise", c.init, ""); code != http.StatusNotFound || strings.Contains(html, "SECRET") {
			t.Errorf("%s opened the revise form: %d", name, code)
		}
		if code, _ := appForm(t, page+"/revise/submit", c.init, c.csrf, fields); code != http.StatusNotFound {
			t.Errorf("%s revised: %d, want 404", name, code)
		}
	}
	// Without the CSRF token: refused.
	if code, _ := appForm(t, page+"/revise/submit", authorInit, "", fields); code != http.StatusForbidden {
		t.Errorf("revise without CSRF token: %d, want 403", code)
	}
	if got, _ := store.AlertByRef(ctx, h.Store.DB, ref); got.State != store.AlertReturned || got.Revision != 1 {
		t.Fatalf("refused revisions changed the alert: %s r%d", got.State, got.Revision)
	}

	// The author resubmits: the same alert, revision 2, to the analysts.
	code, done = appForm(t, page+"/revise/submit", authorInit, csrf, fields)
	if code != http.StatusOK || !strings.Contains(done, ref) {
		t.Fatalf("revise: %d %s", code, done)
	}
	analyst.WaitText("(revision 2)")
	got, err := store.AlertByRef(ctx, h.Store.DB, ref)
	if err != nil || got.ID != al.ID || got.Revision != 2 || got.State != store.AlertSubmitted || got.Content.Quantity != "SECRET-QTY 4 kg" ||
		got.Content.Text != "SECRET-DESC hidden in the evaporator" || len(got.Content.Identifiers) != 1 {
		t.Fatalf("revised alert: %+v, %v", got, err)
	}
	var alerts int
	if err := h.Store.DB.Get(&alerts, `SELECT count(*) FROM alerts`); err != nil || alerts != 1 {
		t.Errorf("alerts: %d, %v", alerts, err)
	}
	// Once resubmitted it is returned no longer: the form is not offered again.
	if code, html := appPost(t, page+"/revise", authorInit, ""); code != http.StatusOK || strings.Contains(html, `action="/app/alerts/`+ref+`/revise/submit"`) {
		t.Errorf("the revise form of a resubmitted alert: %d", code)
	}
	noneSent(t, h, secrets...)
}

// appPage is a Mini App page's HTML, which must open.
func appPage(t *testing.T, page, initData string) string {
	t.Helper()
	code, html := appPost(t, page, initData, "")
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", page, code, html)
	}
	return html
}
