package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
)

// appForm posts the Mini App's alert form (or its draft) with init_data and a CSRF token.
func appForm(t *testing.T, target, initData, csrf string, fields url.Values) (int, string) {
	t.Helper()
	form := url.Values{"init_data": {initData}, "csrf": {csrf}}
	for k, v := range fields {
		form[k] = v
	}
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A focal point writes an alert in the Mini App: the draft is kept as they type, a wrong
// container check digit is told beside its field by the chat's own check, and once corrected
// the alert is submitted to the analysts like one from the chat.
func TestMiniAppSubmit(t *testing.T) {
	n := newNet(t)
	ctx := context.Background()
	base := n.h.App().ConsoleURL()
	now := n.h.Clock.Now()
	initData := telegramtest.SignInitData(n.h.TG.Token(), fpID, "Nurlan", "en", now)
	en := func(id string) string { return n.h.App().I18n.T("en", id, nil) }

	code, form := appPost(t, base+"/app/new", initData, "")
	if code != http.StatusOK || !strings.Contains(form, `name="container"`) {
		t.Fatalf("form: %d %s", code, form)
	}
	csrf := csrfOf(t, form)
	fields := url.Values{"classification": {en(alert.Classifications.ID(alert.ClassUrgent))},
		"conveyance": {en(alert.Conveyances.ID("container"))}, "container": {"TGHU 876543-2"},
		"loading": {"KZALA"}, "destination": {"UZTAS"}, "text": {"Scanner image irregular at the rear wall"}}
	if code, _ := appForm(t, base+"/app/new/draft", initData, "", fields); code != http.StatusForbidden {
		t.Errorf("draft without CSRF token: %d, want 403", code)
	}
	if code, _ := appForm(t, base+"/app/new/draft", initData, csrf, fields); code != http.StatusNoContent {
		t.Fatalf("draft: %d", code)
	}
	if _, again := appPost(t, base+"/app/new", initData, ""); !strings.Contains(again, `value="TGHU 876543-2"`) {
		t.Fatalf("the draft was not kept: %s", again)
	}

	// The wrong check digit: refused beside the container field, nothing submitted.
	_, refused := appForm(t, base+"/app/new/submit", initData, csrf, fields)
	if !strings.Contains(refused, "check digit is wrong") || !strings.Contains(refused, `class="field wrong" id="field-container"`) {
		t.Fatalf("wrong check digit not told at its field: %s", refused)
	}
	var count int
	if err := n.h.Store.DB.Get(&count, `SELECT count(*) FROM alerts`); err != nil || count != 1 {
		t.Fatalf("alerts after the refusal: %d, %v", count, err)
	}
	// Corrected to the check digit the chat's check computes.
	fields.Set("container", "TGHU "+"876543-"+string(rune('0'+alert.ContainerCheckDigit("TGHU876543"))))
	code, done := appForm(t, base+"/app/new/submit", initData, csrf, fields)
	if code != http.StatusOK || !strings.Contains(done, "Submitted as") {
		t.Fatalf("submit: %d %s", code, done)
	}
	al, err := store.AlertByRef(ctx, n.h.Store.DB, "ALR-2026-000002")
	if err != nil || al.State != store.AlertSubmitted || al.AuthorID != n.members[fpID].ID || len(al.Content.Identifiers) != 1 {
		t.Fatalf("submitted alert: %+v, %v", al, err)
	}
	if _, err := store.AppDraft(ctx, n.h.Store.DB, n.members[fpID].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the draft outlived the submission: %v", err)
	}
	// Queued to the analyst, as from the chat.
	if err := n.h.Store.DB.Get(&count, `SELECT count(*) FROM outbox WHERE kind = 'alert_verify' AND ref_id = $1`, al.ID); err != nil || count != 1 {
		t.Errorf("verification rows: %d, %v", count, err)
	}
}
