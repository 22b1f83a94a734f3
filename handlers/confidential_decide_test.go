package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/handlers"
)

// An analyst's reason for a return, or the text of an update, being typed in the chat when the
// bot restarts with CONFIDENTIAL_CONTENT, ends at its next step: nothing is decided or sent,
// what was typed is not kept, and the analyst gets Open to the alert's page, where the decision
// and its reason, and updates, are written from now on.
func TestReasonConversationEndsWhenConfidentialSwitchedOn(t *testing.T) {
	t.Parallel()
	const analystUID, authorUID, amenderUID = 9411, 9412, 9413
	h := bottest.Start(t, handlers.Register)
	ids := netSeed(t, h,
		netPerson{analystUID, "Olga", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{authorUID, "Aliya", "en", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{amenderUID, "John", "en", store.RoleAnalyst, "", "caricc"})
	ctx := context.Background()
	kz := "KZ"
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "road", Lang: "en", Text: "hidden in the tank",
		Identifiers: []alert.Identifier{{Kind: "plate", Value: "01 A 777 KZ", Norm: "01A777KZ"}},
		Route:       []alert.Place{{Role: "loading", Country: "KZ"}, {Role: "destination", Country: "UZ"}}}
	al := &store.Alert{Ref: "ALR-2026-000910", AuthorID: ids[authorUID], AuthorCountry: &kz, Classification: c.Classification,
		Content: c, Revision: 1, SubmittedAt: h.Clock.Now(), State: store.AlertSubmitted}
	var err error
	if al.ID, err = store.InsertAlert(ctx, h.Store.DB, al); err != nil {
		t.Fatal(err)
	}
	// Return for changes pressed before the switch: the reason's prompt is open.
	if err := store.SaveConversation(ctx, h.Store.DB, analystUID, "alert_reason", "reason",
		map[string]any{"alert_id": al.ID, "revision": 1, "state": store.AlertReturned}); err != nil {
		t.Fatal(err)
	}

	// Update pressed under another, published alert before the switch: its text's prompt is open.
	pub := &store.Alert{Ref: "ALR-2026-000911", AuthorID: ids[authorUID], AuthorCountry: &kz, Classification: c.Classification,
		Content: c, Revision: 1, SubmittedAt: h.Clock.Now(), State: store.AlertSubmitted}
	if pub.ID, err = store.InsertAlert(ctx, h.Store.DB, pub); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, h.Store.DB, pub.ID, 1, store.AlertPublished, ids[amenderUID], "", "UZ", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveConversation(ctx, h.Store.DB, amenderUID, "alert_amend", "update",
		map[string]any{"alert_id": pub.ID, "kind": "update"}); err != nil {
		t.Fatal(err)
	}

	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	h.Config.ConfidentialContent = true
	h.Run()
	for deadline := time.Now().Add(bottest.Wait); h.App().ConsoleURL() == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the console never served")
		}
	}
	analyst := h.Person(analystUID, "Olga", "en")
	m := next(t, analyst, func() { analyst.Say("SECRET-REASON the seal number is wrong") })
	open := ""
	for _, b := range m.Buttons() {
		open = strings.TrimPrefix(b.WebAppURL, h.App().ConsoleURL())
	}
	if !strings.Contains(m.Plain(), "Returns and rejections are now decided in the app") || !strings.Contains(m.Plain(), al.Ref) ||
		open != "/app/alerts/"+al.Ref {
		t.Errorf("the reason's next step after the switch: %q, Open to %q", m.Plain(), open)
	}
	got, err := store.AlertByID(ctx, h.Store.DB, al.ID)
	if err != nil || got.State != store.AlertSubmitted || got.Reason != nil {
		t.Errorf("the alert after the switch's first step: %+v, %v", got, err)
	}
	amender := h.Person(amenderUID, "John", "en")
	m = next(t, amender, func() { amender.Say("SECRET-UPD the truck changed its route") })
	open = ""
	for _, b := range m.Buttons() {
		open = strings.TrimPrefix(b.WebAppURL, h.App().ConsoleURL())
	}
	if !strings.Contains(m.Plain(), "Updates and cancellations are now written in the app") || !strings.Contains(m.Plain(), pub.Ref) ||
		open != "/app/alerts/"+pub.Ref {
		t.Errorf("the update's next step after the switch: %q, Open to %q", m.Plain(), open)
	}
	if fs, err := store.Followups(ctx, h.Store.DB, pub.ID, true); err != nil || len(fs) != 0 {
		t.Errorf("follow-ups after the switch's first step: %d, %v", len(fs), err)
	}
	var convs int
	if err := h.Store.DB.Get(&convs, `SELECT count(*) FROM conversations`); err != nil || convs != 0 {
		t.Errorf("conversations left: %d, %v", convs, err)
	}
	h.WaitIdle()
	for _, call := range h.TG.Calls("") {
		for k, v := range call.Params {
			if strings.Contains(v, "SECRET") {
				t.Errorf("%s sent %s: %q", call.Method, k, v)
			}
		}
	}
}
