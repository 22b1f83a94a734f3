package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"focalbot/bot/store"
)

// In confidential mode an analyst updates or cancels a published alert on its Mini App page,
// with the text typed there: the chat's Update answers with Open and begins no conversation.
// The recipients and the author get the heading and Open, and read the text on the page. A
// recipient's amendment is answered as for a missing alert, a forged CSRF token is refused,
// and neither changes anything; an alert cancelled takes no more. No text reaches Telegram.
func TestConfidentialAmendInMiniApp(t *testing.T) {
	const authorUID, johnUID, readerUID = 8811, 8812, 8813
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, johnUID: {"John", store.RoleAnalyst, ""}, readerUID: {"Dilshod", store.RoleFocalPoint, "UZ"}})
	ctx := context.Background()
	author, john, reader := h.Person(authorUID, "Aliya", "en"), h.Person(johnUID, "John", "en"), h.Person(readerUID, "Dilshod", "en")
	al := submitted(t, h, ms[authorUID], ms[johnUID], "MSKU 123456-5", "SECRET-DESC hidden in the evaporator")

	// Published from the chat: Approve, then Publish; the analyst's card carries Update.
	verify := john.WaitText(al.Ref)
	john.ClickData(verify.ID, fmt.Sprintf("av:%d:1:a", al.ID))
	screen := john.WaitMore("Audience of")
	publish := ""
	for _, b := range screen.Buttons() {
		if strings.HasPrefix(b.CallbackData, "apub:") {
			publish = b.CallbackData
		}
	}
	john.ClickData(screen.ID, publish)
	reader.WaitText(al.Ref)
	card := john.WaitText("published to")
	update := ""
	for _, b := range card.Buttons() {
		if strings.HasPrefix(b.CallbackData, "aup:") {
			update = b.CallbackData
		}
	}
	if update == "" {
		t.Fatalf("the analyst's card has no Update: %q %+v", card.Plain(), card.Buttons())
	}
	john.ClickData(card.ID, update)
	open := john.WaitMore("written in the app")
	page := appURL(t, open)
	if page == "" || !strings.HasSuffix(page, "/app/alerts/"+al.Ref) {
		t.Fatalf("Update in confidential mode: %q, Open to %q", open.Plain(), page)
	}
	if n := john.Count("Type the update"); n != 0 {
		t.Errorf("Update in confidential mode asked for the text in the chat (%d)", n)
	}

	johnInit, readerInit, authorInit := john.InitData(h.Clock.Now()), reader.InitData(h.Clock.Now()), author.InitData(h.Clock.Now())
	form := func(kind, text string) url.Values { return url.Values{"kind": {kind}, "text": {text}} }
	followups := func() int {
		t.Helper()
		fs, err := store.Followups(ctx, h.Store.DB, al.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	// The form is the analysts': a recipient gets neither it nor an amendment.
	if _, html := appPost(t, page, readerInit, ""); strings.Contains(html, "/amend") {
		t.Error("a recipient's page offers the update form")
	}
	if code, html := appChange(t, page, "/amend", readerInit, form("cancel", "SECRET-FP")); code != http.StatusNotFound || strings.Contains(html, "SECRET") {
		t.Errorf("a focal point's cancellation: %d", code)
	}
	if code, _ := postForm(page+"/amend", url.Values{"init_data": {johnInit}, "csrf": {"forged"}, "kind": {"cancel"},
		"text": {"SECRET-FORGED"}}); code != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", code)
	}
	if got, err := store.AlertByID(ctx, h.Store.DB, al.ID); err != nil || got.State != store.AlertPublished || followups() != 0 {
		t.Fatalf("refused amendments changed the alert: %+v %v", got, err)
	}

	// The update: sent to the reader and the author as a heading and Open, read on the page.
	if code, html := appChange(t, page, "/amend", johnInit, form("update", "SECRET-UPD the truck changed its route")); code != http.StatusOK ||
		!strings.Contains(html, "The update to "+al.Ref+" goes to 2 members") {
		t.Fatalf("the update: %d %s", code, html)
	}
	for _, p := range []struct {
		name string
		wait func(string) string
		init string
	}{{"reader", func(s string) string { return reader.WaitText(s).Plain() }, readerInit},
		{"author", func(s string) string { return author.WaitText(s).Plain() }, authorInit}} {
		if got := p.wait("Update to " + al.Ref); strings.Contains(got, "SECRET") {
			t.Errorf("the %s's update notice: %q", p.name, got)
		}
		if code, html := appPost(t, page, p.init, ""); code != http.StatusOK || !strings.Contains(html, "SECRET-UPD the truck changed its route") {
			t.Errorf("the %s's page lacks the update: %d", p.name, code)
		}
	}
	// The cancellation: the alert is cancelled; a second is told so and changes nothing.
	if code, html := appChange(t, page, "/amend", johnInit, form("cancel", "SECRET-CXL a false alarm")); code != http.StatusOK ||
		!strings.Contains(html, al.Ref+" is cancelled") {
		t.Fatalf("the cancellation: %d %s", code, html)
	}
	if got, err := store.AlertByID(ctx, h.Store.DB, al.ID); err != nil || got.State != store.AlertCancelled {
		t.Errorf("the alert after its cancellation: %+v %v", got, err)
	}
	reader.WaitText(al.Ref + " is CANCELLED")
	n := followups()
	if code, html := appChange(t, page, "/amend", johnInit, form("cancel", "SECRET-CXL2")); code != http.StatusOK ||
		!strings.Contains(html, al.Ref+" was cancelled") || followups() != n {
		t.Errorf("a second cancellation: %d %s", code, html)
	}
	noneSent(t, h, "SECRET", "MSKU")
}
