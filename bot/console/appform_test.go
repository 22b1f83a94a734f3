package console_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/console"
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

	// A photo goes up to the server with the draft.
	photo := append([]byte("\x89PNG\r\n\x1a\n"), []byte("scanner image")...)
	if code, body := appUpload(t, base+"/app/new/file", initData, csrf, "scan.png", photo); code != http.StatusOK || !strings.Contains(body, "scan.png") {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, _ := appUpload(t, base+"/app/new/file", initData, "", "scan.png", photo); code != http.StatusForbidden {
		t.Errorf("upload without CSRF token: %d, want 403", code)
	}
	// A file chosen by mistake comes off the draft with Remove: not with a forged token, not by
	// another member, and then by its owner.
	if code, body := appUpload(t, base+"/app/new/file", initData, csrf, "wrong.png", photo); code != http.StatusOK || !strings.Contains(body, "wrong.png") {
		t.Fatalf("second upload: %d %s", code, body)
	}
	var wrongID int64
	if err := n.h.Store.DB.Get(&wrongID, `SELECT id FROM app_files WHERE name = 'wrong.png'`); err != nil {
		t.Fatal(err)
	}
	remove := base + "/app/new/file/" + strconv.FormatInt(wrongID, 10) + "/remove"
	if code, _ := appPost(t, remove, initData, "forged"); code != http.StatusForbidden {
		t.Errorf("remove with a forged token: %d, want 403", code)
	}
	otherData := telegramtest.SignInitData(n.h.TG.Token(), uzFPID, "x", "en", now)
	_, otherForm := appPost(t, base+"/app/new", otherData, "")
	if code, body := appPost(t, remove, otherData, csrfOf(t, otherForm)); code != http.StatusOK || strings.Contains(body, "wrong.png") {
		t.Errorf("another member's remove: %d, the file shown: %v", code, strings.Contains(body, "wrong.png"))
	}
	var left int
	if err := n.h.Store.DB.Get(&left, `SELECT count(*) FROM app_files WHERE id = $1`, wrongID); err != nil || left != 1 {
		t.Fatalf("the file after refused removals: %d, %v", left, err)
	}
	if code, body := appPost(t, remove, initData, csrf); code != http.StatusOK || strings.Contains(body, "wrong.png") || !strings.Contains(body, "scan.png") {
		t.Fatalf("remove: %d, the removed file still shown or the other gone: %s", code, body)
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
	// The photo is the alert's now: the analyst downloads it, a focal point outside the
	// alert's audience gets the answer of a missing alert.
	files, err := store.AlertAppFiles(ctx, n.h.Store.DB, al.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("files of the alert: %+v, %v", files, err)
	}
	fileURL := base + "/app/alerts/" + al.Ref + "/files/" + strconv.FormatInt(files[0].ID, 10)
	if code, got := appPost(t, fileURL, telegramtest.SignInitData(n.h.TG.Token(), analystID, "x", "en", now), ""); code != http.StatusOK || got != string(photo) {
		t.Errorf("the analyst's download: %d, %d bytes", code, len(got))
	}
	if code, got := appPost(t, fileURL, telegramtest.SignInitData(n.h.TG.Token(), uzFPID, "x", "en", now), ""); code != http.StatusNotFound || strings.Contains(got, "scanner image") {
		t.Errorf("a focal point outside the audience: %d", code)
	}
	// The console's page of the alert lists the photo beside the chat's attachments and serves
	// it from the server, audited; under another alert's reference it is missing.
	token, err := console.NewLink(ctx, n.h.Store.DB, n.members[analystID].ID, n.h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	link := base + "/signin/" + token
	c := newClient(t, link)
	if code, page := c.signIn(link); code != http.StatusSeeOther {
		t.Fatalf("console sign-in: %d %s", code, page)
	}
	consoleURL := "/alerts/" + al.Ref + "/files/m" + strconv.FormatInt(files[0].ID, 10)
	if code, page, _ := c.do("GET", "/alerts/"+al.Ref, nil); code != http.StatusOK ||
		!strings.Contains(page, `href="`+consoleURL+`"`) || !strings.Contains(page, "scan.png") {
		t.Errorf("the console's alert page (%d) does not list the uploaded file", code)
	}
	code, got, hdr := c.do("GET", consoleURL, nil)
	if code != http.StatusOK || got != string(photo) || !strings.Contains(hdr.Get("Content-Disposition"), "scan.png") ||
		hdr.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("the console's download: %d, %d bytes, %v", code, len(got), hdr)
	}
	if err := n.h.Store.DB.Get(&count, `SELECT count(*) FROM audit_log WHERE action = 'console_download'
		AND actor_id = $1 AND after->>'file' = 'scan.png' AND after->>'ref' = $2`, n.members[analystID].ID, al.Ref); err != nil || count != 1 {
		t.Errorf("console downloads audited: %d, %v", count, err)
	}
	if code, got, _ := c.do("GET", "/alerts/"+n.alert.Ref+"/files/m"+strconv.FormatInt(files[0].ID, 10), nil); code != http.StatusNotFound || strings.Contains(got, "scanner image") {
		t.Errorf("the file under another alert: %d, want 404", code)
	}
	if code, _, _ := c.do("GET", "/alerts/"+al.Ref+"/files/mx", nil); code != http.StatusNotFound {
		t.Errorf("a malformed file key: %d, want 404", code)
	}
	// A draft abandoned for AppDraftTTL goes, with the file on it.
	if code, _ := appUpload(t, base+"/app/new/file", initData, csrf, "left.png", photo); code != http.StatusOK {
		t.Fatalf("second upload: %d", code)
	}
	if code, _ := appForm(t, base+"/app/new/draft", initData, csrf, url.Values{"text": {"left behind"}}); code != http.StatusNoContent {
		t.Fatalf("second draft: %d", code)
	}
	n.h.Clock.Advance(console.AppDraftTTL + time.Hour)
	n.h.RunJobs()
	if err := n.h.Store.DB.Get(&count, `SELECT (SELECT count(*) FROM app_drafts) + (SELECT count(*) FROM app_files WHERE alert_id IS NULL)`); err != nil || count != 0 {
		t.Errorf("abandoned drafts and files left after the purge: %d, %v", count, err)
	}
	// Queued to the analyst, as from the chat.
	if err := n.h.Store.DB.Get(&count, `SELECT count(*) FROM outbox WHERE kind = 'alert_verify' AND ref_id = $1`, al.ID); err != nil || count != 1 {
		t.Errorf("verification rows: %d, %v", count, err)
	}
}

// appUpload posts a file to the Mini App's form as the page's script does.
func appUpload(t *testing.T, target, initData, csrf, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("init_data", initData)
	_ = mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, err := http.Post(target, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
