package handlers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/i18n"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers"
)

// Forgetting a former member leaves no trace of their name or unit in any column, keeps their
// alert, and names them "a former member (KZ)" in every language.
func TestForgetMember(t *testing.T) {
	t.Parallel()
	const adminUID = 1880
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	ctx := context.Background()
	const name, unit = "Zebulon Quistgaard", "Xylophone Harbour Unit"

	code := newInvite(t, h, nil, 24*time.Hour)
	u := h.Person(1881, "Zeb", "en")
	picker := next(t, u, func() { u.SendText("/start " + code) })
	u.ClickOn(picker.ID, "reg:lang:kk")
	expect(t, u, "атыңызды")
	u.SendText(name)
	u.SendText(unit)
	confirm := expect(t, u, unit)
	u.ClickOn(confirm.ID, "reg:ok")
	expect(t, u, name)
	expect(t, admin, name) // the admins were told, by name
	m, err := store.MemberByTelegramID(ctx, h.Store.DB, 1881)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := store.NextAlertRef(ctx, h.Store.DB, 2026)
	if err != nil {
		t.Fatal(err)
	}
	alertID, err := store.InsertAlert(ctx, h.Store.DB, &store.Alert{Ref: ref, AuthorID: m.ID, AuthorCountry: m.Country,
		SubmittedAt: h.Clock.Now(), Content: alert.Content{Classification: alert.ClassUrgent, Conveyance: "rail", Substance: "heroin"}})
	if err != nil {
		t.Fatal(err)
	}
	// The admins' notice naming the member reaches the emulator a moment before its text is
	// recorded in outbound_messages: forgetting is tried once every message is recorded.
	h.WaitIdle()
	if found := columnsHolding(t, h, "Quistgaard"); len(found) == 0 {
		t.Fatal("the name is nowhere before forgetting: the scan proves nothing")
	}

	if err := h.Store.ForgetMember(ctx, m.ID, i18n.FormerMemberName("KZ"), h.Clock.Now()); !errors.Is(err, store.ErrStillActive) {
		t.Fatalf("forgetting an active member: %v", err)
	}
	if _, err := members.Suspend(ctx, h.Store, nil, m.ID, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.ForgetMember(ctx, m.ID, i18n.FormerMemberName("KZ"), h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Zebulon", "Quistgaard", "Xylophone"} {
		if found := columnsHolding(t, h, s); len(found) > 0 {
			t.Errorf("%q still in %v", s, found)
		}
	}
	if al, err := store.AlertByRef(ctx, h.Store.DB, ref); err != nil || al.ID != alertID || al.AuthorID != m.ID {
		t.Errorf("the alert of the forgotten member: %+v %v", al, err)
	}
	after, err := store.MemberByID(ctx, h.Store.DB, m.ID)
	if err != nil || after.Unit != "" || after.Language != "" {
		t.Fatalf("member after forgetting: %+v %v", after, err)
	}
	for lang, want := range map[string]string{"en": "a former member (KZ)", "ru": "бывший участник (KZ)", "ur": "سابق رکن"} {
		text := h.App().I18n.T(lang, "admin_member_joined", map[string]any{"Name": after.DisplayName, "Unit": "", "Country": "", "Role": "", "Agency": ""})
		if !strings.Contains(text, want) || strings.Contains(text, "former-member:") {
			t.Errorf("%s: %q, want %q", lang, text, want)
		}
	}
}
