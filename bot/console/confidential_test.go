package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// With CONFIDENTIAL_CONTENT, an alert's container number, seal and description never reach
// Telegram: the analyst verifies and publishes it from its header, the recipient gets the
// header and Open, reads it in the Mini App and acknowledges there, and the analyst's count
// of acknowledgements moves.
func TestConfidentialAlertEndToEnd(t *testing.T) {
	h := bottest.Start(t, handlers.Register)
	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	h.Config.ConfidentialContent = true
	runWithConsole(t, h)
	ctx := context.Background()
	const authorUID, analystUID, readerUID = 8301, 8302, 8303
	ids := map[int64]int64{}
	for _, m := range []struct {
		uid           int64
		name, role, c string
	}{{authorUID, "Aliya", store.RoleFocalPoint, "KZ"}, {analystUID, "John", store.RoleAnalyst, ""}, {readerUID, "Dilshod", store.RoleFocalPoint, "UZ"}} {
		mm := store.Member{TelegramUserID: m.uid, DisplayName: m.name, Role: m.role, Agency: "customs", Language: "en", State: store.StateActive}
		if m.c != "" {
			mm.Country = &m.c
		}
		id, err := store.InsertMember(ctx, h.Store.DB, mm)
		if err != nil {
			t.Fatal(err)
		}
		ids[m.uid] = id
	}
	analyst, reader := h.Person(analystUID, "John", "en"), h.Person(readerUID, "Dilshod", "en")
	const container, seal, description = "MSKU 123456-5", "KZ7781234", "Packages hidden behind the evaporator panel"
	secrets := []string{container, "MSKU1234565", "123456", seal, "7781234", description, "evaporator"}

	// A submitted alert (as the chat's form or the Mini App's would leave it), queued to the
	// analysts for verification.
	kz := "KZ"
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container", Substance: "heroin",
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: container, Norm: "MSKU1234565"}, {Kind: "seal", Value: seal, Norm: seal}},
		Text:        description, Lang: "en"}
	ref, err := store.NextAlertRef(ctx, h.Store.DB, h.Clock.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.InsertAlert(ctx, h.Store.DB, &store.Alert{Ref: ref, AuthorID: ids[authorUID], AuthorCountry: &kz,
		Classification: c.Classification, Content: c, SubmittedAt: h.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := delivery.Enqueue(ctx, h.Store.DB, []delivery.Item{{MemberID: ids[analystUID], ChatID: analystUID,
		Kind: "alert_verify", RefID: id, Variant: "r1", Priority: delivery.Urgent}}); err != nil {
		t.Fatal(err)
	}

	// The analyst approves and publishes from the header.
	verify := analyst.WaitText(ref)
	if appURL(t, verify) == "" {
		t.Fatalf("the verification has no Open button: %+v", verify.Buttons())
	}
	approve := ""
	for _, b := range verify.Buttons() {
		if strings.HasPrefix(b.CallbackData, "av:") && strings.HasSuffix(b.CallbackData, ":a") {
			approve = b.CallbackData
		}
	}
	analyst.ClickData(verify.ID, approve)
	screen, publish := analyst.WaitButton("apub:")
	// The audience screen becomes the analyst's card, which counts acknowledgements in place.
	card := analyst.PressInPlace(screen.ID, publish, ref+" published to")

	// The recipient gets the header and Open.
	got := reader.WaitText(ref)
	head := got.Plain()
	for _, want := range []string{ref, "Urgent", "Kazakhstan → Uzbekistan"} {
		if !strings.Contains(head, want) {
			t.Errorf("the header lacks %q: %q", want, head)
		}
	}
	page := appURL(t, got)
	if page == "" {
		t.Fatalf("no Open button: %+v", got.Buttons())
	}
	h.WaitIdle()

	// Nothing of the content in any call the bot made to Telegram.
	calls := h.TG.Calls("")
	if len(calls) == 0 {
		t.Fatal("no calls recorded")
	}
	for _, call := range calls {
		for k, v := range call.Params {
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("%s sent %q in %s: %q", call.Method, s, k, v)
				}
			}
		}
	}

	// The recipient opens the Mini App with initData signed as Telegram signs it, reads the
	// content and acknowledges there.
	initData := reader.InitData(h.Clock.Now())
	code, body := appPost(t, page, initData, "")
	if code != http.StatusOK {
		t.Fatalf("Mini App page: %d %s", code, body)
	}
	for _, s := range []string{container, seal, description} {
		if !strings.Contains(body, s) {
			t.Errorf("the Mini App page lacks %q", s)
		}
	}
	counts, err := store.AlertAckCounts(ctx, h.Store.DB, id)
	if err != nil || counts.Total != 1 { // the Uzbek focal point (the approving analyst has read it)
		t.Fatalf("recipients: %+v, %v", counts, err)
	}
	acks := func(n int) string {
		return telegramtest.StripHTML(h.App().I18n.N("en", "alert_ack_count", counts.Total, map[string]any{"Ref": ref, "Acked": n}))
	}
	analyst.Click("Who acknowledged?")
	analyst.WaitMore(acks(0))
	if code, body := appPost(t, page+"/ack", initData, csrfOf(t, body)); code != http.StatusOK || !strings.Contains(body, `id="app-notice"`) {
		t.Fatalf("acknowledge in the Mini App: %d %s", code, body)
	}
	analyst.WaitOn(card.ID, acks(1)) // acknowledged in the Mini App: the chat's card counts it
	analyst.Click("Who acknowledged?")
	analyst.WaitMore(acks(1))

	// /alert offers the Mini App's form beside the chat's conversation.
	author := h.Person(authorUID, "Aliya", "en")
	author.Say("/alert")
	intro := author.WaitNew("New alert")
	if u := appURL(t, intro); !strings.HasSuffix(u, "/app/new") {
		t.Errorf("/alert offers no Mini App form: %q", u)
	}
	author.Say("/cancel")

	// A follow-up written in the Mini App reaches the analyst as a header and Open; its text
	// is on the Mini App page, not in any call to Telegram.
	const followup = "Second seal found: QX998877"
	code, body = appPost(t, page, initData, "")
	if code != http.StatusOK {
		t.Fatalf("Mini App page: %d", code)
	}
	form := url.Values{"init_data": {initData}, "csrf": {csrfOf(t, body)}, "text": {followup}}
	resp, err := http.PostForm(page+"/followup", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("follow-up in the Mini App: %d", resp.StatusCode)
	}
	head = analyst.WaitText("Follow-up to " + ref).Plain()
	if strings.Contains(head, "QX998877") {
		t.Errorf("the follow-up's text reached the chat: %q", head)
	}
	h.WaitIdle()
	for _, call := range h.TG.Calls("") {
		for k, v := range call.Params {
			if strings.Contains(v, "QX998877") {
				t.Errorf("%s sent the follow-up's text in %s: %q", call.Method, k, v)
			}
		}
	}
	if _, body := appPost(t, page, analyst.InitData(h.Clock.Now()), ""); !strings.Contains(body, "QX998877") {
		t.Error("the analyst's Mini App page lacks the follow-up")
	}
}

// appURL is the address of a message's web_app button, "" for none.
func appURL(t *testing.T, m telegramtest.Message) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if b.WebAppURL != "" {
			return b.WebAppURL
		}
	}
	return ""
}
