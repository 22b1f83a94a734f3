package console_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/store"
)

// In confidential mode the author revising a returned alert in the Mini App sees its files —
// those sent in the chat (Telegram file ids) and those kept by the server — removes some and
// uploads others, within alert.MaxFiles, refused as the new alert's form refuses; the form is
// kept as the revision's own draft as it is typed (apart from the member's new-alert draft),
// restored when Revise is opened again, and gone once resubmitted. The analysts' page of the
// revision shows the new set. Nobody else may touch the revision, every change needs the
// CSRF token, and no file name, byte or field of it reaches Telegram.
func TestConfidentialReviseFilesAndDraft(t *testing.T) {
	const authorUID, analystUID, otherUID = 8801, 8802, 8803
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, analystUID: {"John", store.RoleAnalyst, ""}, otherUID: {"Dilshod", store.RoleFocalPoint, "UZ"}})
	author, analyst, other := h.Person(authorUID, "Aliya", "en"), h.Person(analystUID, "John", "en"), h.Person(otherUID, "Dilshod", "en")
	ctx := context.Background()
	db := h.Store.DB
	en := func(id string, data map[string]any) string { return h.App().I18n.T("en", id, data) }
	secrets := []string{"chat-keep.pdf", "chat-drop.pdf", "old-secret.pdf", "new-secret.pdf", "extra-secret", "eleventh.pdf",
		"one-too-many.pdf", "SECRET-BYTES", "SECRET-QTY", "evaporator", "MSKU"}

	// Two documents the author sent in the chat, kept by Telegram's file ids.
	var fileIDs []string
	for _, name := range []string{"chat-keep.pdf", "chat-drop.pdf"} {
		upd := author.SendDocument(name, "")
		for _, e := range author.Transcript() {
			if e.UpdateID == upd {
				m, _ := author.Message(e.MessageID)
				fileIDs = append(fileIDs, m.FileID)
			}
		}
	}
	if len(fileIDs) != 2 || fileIDs[0] == "" || fileIDs[1] == "" {
		t.Fatalf("the emulator has no files for the documents sent: %q", fileIDs)
	}
	// A submitted alert with both, and a file uploaded in the Mini App; returned by the analyst.
	al := submitted(t, h, ms[authorUID], ms[analystUID], "MSKU 123456-5", "hidden in the evaporator")
	if _, err := db.Exec(`UPDATE alerts SET content = jsonb_set(content, '{attachments}', $1::jsonb) WHERE id = $2`,
		fmt.Sprintf(`[{"kind": "document", "file_id": %q, "name": "chat-keep.pdf"}, {"kind": "document", "file_id": %q, "name": "chat-drop.pdf"}]`,
			fileIDs[0], fileIDs[1]), al.ID); err != nil {
		t.Fatal(err)
	}
	old := &store.AppFile{MemberID: ms[authorUID].ID, Name: "old-secret.pdf", ContentType: "application/pdf", CreatedAt: h.Clock.Now()}
	if err := store.InsertAppFile(ctx, db, old, []byte("SECRET-BYTES old")); err != nil {
		t.Fatal(err)
	}
	if err := store.AttachDraftFiles(ctx, db, ms[authorUID].ID, al.ID); err != nil {
		t.Fatal(err)
	}
	analyst.WaitText("(revision 1)")
	if _, err := store.DecideAlert(ctx, db, al.ID, 1, store.AlertReturned, ms[analystUID].ID, "add the seal", "", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}

	page := h.App().ConsoleURL() + "/app/alerts/" + al.Ref
	authorInit := author.InitData(h.Clock.Now())
	oldKey := "m" + strconv.FormatInt(old.ID, 10)
	checked := func(html, key string) bool {
		return regexp.MustCompile(`value="` + key + `" checked`).MatchString(html)
	}

	// The form lists the alert's three files, none marked for removal.
	code, rform := appPost(t, page+"/revise", authorInit, "")
	for _, want := range []string{"chat-keep.pdf", "chat-drop.pdf", "old-secret.pdf", `value="a0"`, `value="a1"`, `value="` + oldKey + `"`,
		`data-draft="/app/alerts/` + al.Ref + `/revise/draft"`, `data-upload="/app/alerts/` + al.Ref + `/revise/file"`} {
		if code != http.StatusOK || !strings.Contains(rform, want) {
			t.Fatalf("the revise form lacks %q: %d %s", want, code, rform)
		}
	}
	csrf := csrfOf(t, rform)
	fields := url.Values{} // the form as it came, filled with the alert
	for k, v := range alert.FormValues(h.App().I18n, "en", &al.Content) {
		fields.Set(k, v)
	}
	fields.Set("text", "hidden in the evaporator, seal QX-1")
	fields.Set("quantity", "SECRET-QTY 12 kg")
	draft := func(remove ...string) {
		t.Helper()
		f := url.Values{}
		for k, v := range fields {
			f[k] = v
		}
		f["remove"] = remove
		if code, body := appForm(t, page+"/revise/draft", authorInit, csrf, f); code != http.StatusNoContent {
			t.Fatalf("revision draft: %d %s", code, body)
		}
	}
	upload := func(name string, pad int) string {
		t.Helper()
		data := append([]byte("SECRET-BYTES of "+name), bytes.Repeat([]byte{'x'}, pad)...)
		code, body := appUpload(t, page+"/revise/file", authorInit, csrf, name, data)
		if code != http.StatusOK {
			t.Fatalf("upload %s: %d %s", name, code, body)
		}
		return body
	}

	// Typed, and uploaded up to MaxFiles: three files of the alert, new-secret.pdf and six more.
	draft()
	upload("new-secret.pdf", 0)
	for i := range alert.MaxFiles - 4 {
		upload(fmt.Sprintf("extra-secret-%d.pdf", i), i<<20) // up to 5 MB: the upload's bound, not a form's
	}
	tooMany := en("alert_err_too_many_files", map[string]any{"Max": alert.MaxFiles})
	if body := upload("one-too-many.pdf", 0); !strings.Contains(body, tooMany) || strings.Contains(body, "one-too-many.pdf") {
		t.Errorf("the upload past %d files was not refused as the new alert's is: %s", alert.MaxFiles, body)
	}
	// One marked for removal makes room for one more; the draft keeps the mark.
	draft("a1")
	upload("eleventh.pdf", 0)
	var pending []store.AppFile
	var err error
	if pending, err = store.RevisionAppFiles(ctx, db, ms[authorUID].ID, al.ID); err != nil || len(pending) != alert.MaxFiles-2 {
		t.Fatalf("files on the revision's draft: %d, %v", len(pending), err)
	}

	// Reopened, the form is the draft: the fields as typed, the mark, the files uploaded. The
	// new alert's form has none of it, nor does the alert's page.
	_, again := appPost(t, page+"/revise", authorInit, "")
	if !strings.Contains(again, "SECRET-QTY 12 kg") || !strings.Contains(again, "seal QX-1") || !checked(again, "a1") || checked(again, "a0") ||
		!strings.Contains(again, "new-secret.pdf") || !strings.Contains(again, "eleventh.pdf") {
		t.Errorf("the revise form reopened is not the draft: %s", again)
	}
	if _, newForm := appPost(t, h.App().ConsoleURL()+"/app/new", authorInit, ""); strings.Contains(newForm, "SECRET-QTY") ||
		strings.Contains(newForm, "new-secret.pdf") || strings.Contains(newForm, "seal QX-1") {
		t.Errorf("the revision's draft shows in the new alert's form: %s", newForm)
	}
	if _, err := store.AppDraft(ctx, db, ms[authorUID].ID); err == nil {
		t.Error("the revision's draft is the member's new-alert draft too")
	}
	if _, view := appPost(t, page, authorInit, ""); strings.Contains(view, "new-secret.pdf") {
		t.Error("a file of the revision's draft is on the alert's page before the resubmission")
	}

	// Resubmitted with every file kept (a1 unmarked): eleven, refused as too many; nothing changes.
	state := func() string {
		t.Helper()
		var s string
		if err := db.Get(&s, `SELECT a.state || ' r' || a.revision || ' ' || jsonb_array_length(a.content->'attachments')
			|| ' alert files ' || (SELECT count(*) FROM app_files WHERE alert_id = a.id)
			|| ' draft files ' || (SELECT count(*) FROM app_files WHERE alert_id IS NULL)
			|| ' drafts ' || (SELECT count(*) FROM app_drafts) FROM alerts a WHERE a.id = $1`, al.ID); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	if code, body := appForm(t, page+"/revise/submit", authorInit, csrf, fields); code != http.StatusOK || !strings.Contains(body, tooMany) {
		t.Errorf("eleven files resubmitted: %d %s", code, body)
	}
	if got := state(); got != before {
		t.Errorf("a refused revision changed the alert: %s, was %s", got, before)
	}
	draftNow, err := store.RevisionDraft(ctx, db, ms[authorUID].ID, al.ID)
	if err != nil || draftNow["remove"] != "" {
		t.Errorf("the refused form is not the revision's draft: %v %v", draftNow, err)
	}

	// Anyone else: a missing alert, on every address of the revision; a forged CSRF token:
	// refused. Nothing changes.
	otherInit := other.InitData(h.Clock.Now())
	_, otherForm := appPost(t, h.App().ConsoleURL()+"/app/new", otherInit, "")
	otherCSRF := csrfOf(t, otherForm)
	forged := url.Values{"quantity": {"FORGED 1 kg"}, "remove": {"a0", "a1", oldKey}}
	for _, path := range []string{"/revise", "/revise/draft", "/revise/submit"} {
		if code, body := appForm(t, page+path, otherInit, otherCSRF, forged); code != http.StatusNotFound || strings.Contains(body, "SECRET") {
			t.Errorf("another member at %s: %d, want 404", path, code)
		}
	}
	if code, _ := appUpload(t, page+"/revise/file", otherInit, otherCSRF, "intruder.pdf", []byte("x")); code != http.StatusNotFound {
		t.Errorf("another member's upload: %d, want 404", code)
	}
	for _, path := range []string{"/revise/draft", "/revise/submit"} {
		if code, _ := appForm(t, page+path, authorInit, csrf[:len(csrf)-2]+"xx", forged); code != http.StatusForbidden {
			t.Errorf("forged CSRF token at %s: %d, want 403", path, code)
		}
	}
	if code, _ := appUpload(t, page+"/revise/file", authorInit, "forged", "forged.pdf", []byte("x")); code != http.StatusForbidden {
		t.Errorf("forged CSRF token on an upload: %d, want 403", code)
	}
	if got := state(); got != before {
		t.Errorf("refused changes changed the revision: %s, was %s", got, before)
	}
	if d, err := store.RevisionDraft(ctx, db, ms[authorUID].ID, al.ID); err != nil || d["quantity"] != "SECRET-QTY 12 kg" {
		t.Errorf("refused changes changed the draft: %v %v", d, err)
	}

	// Resubmitted without chat-drop.pdf, old-secret.pdf and the extras: chat-keep.pdf and
	// new-secret.pdf are the revision's files.
	remove := []string{"a1", oldKey}
	for _, f := range pending {
		if f.Name != "new-secret.pdf" {
			remove = append(remove, "m"+strconv.FormatInt(f.ID, 10))
		}
	}
	fields["remove"] = remove
	code, done := appForm(t, page+"/revise/submit", authorInit, csrf, fields)
	if code != http.StatusOK || !strings.Contains(done, al.Ref) {
		t.Fatalf("revise: %d %s", code, done)
	}
	got, err := store.AlertByRef(ctx, db, al.Ref)
	if err != nil || got.State != store.AlertSubmitted || got.Revision != 2 || len(got.Content.Attachments) != 1 ||
		got.Content.Attachments[0].FileID != fileIDs[0] || got.Content.Quantity != "SECRET-QTY 12 kg" {
		t.Fatalf("revised alert: %+v, %v", got, err)
	}
	files, err := store.AlertAppFiles(ctx, db, al.ID)
	if err != nil || len(files) != 1 || files[0].Name != "new-secret.pdf" {
		t.Fatalf("the revision's server files: %+v, %v", files, err)
	}
	var left int
	if err := db.Get(&left, `SELECT (SELECT count(*) FROM app_files) + (SELECT count(*) FROM app_drafts)`); err != nil || left != 1 {
		t.Errorf("files and drafts left besides the alert's one file: %d, %v", left-1, err)
	}

	// The analyst's copy of revision 2 opens the page with the new set, downloads included.
	verify := analyst.WaitText("(revision 2)")
	if appURL(t, verify) != page {
		t.Fatalf("the verification has no Open to the alert: %+v", verify.Buttons())
	}
	analystInit := analyst.InitData(h.Clock.Now())
	view := appPage(t, page, analystInit)
	for _, want := range []string{"chat-keep.pdf", "new-secret.pdf", "/chatfiles/a0", "/files/" + strconv.FormatInt(files[0].ID, 10)} {
		if !strings.Contains(view, want) {
			t.Errorf("the analyst's page lacks %q: %s", want, view)
		}
	}
	for _, gone := range []string{"chat-drop.pdf", "old-secret.pdf", "extra-secret", "eleventh.pdf", "/chatfiles/a1"} {
		if strings.Contains(view, gone) {
			t.Errorf("the analyst's page still shows %q", gone)
		}
	}
	if code, body := appPost(t, page+"/files/"+strconv.FormatInt(files[0].ID, 10), analystInit, ""); code != http.StatusOK || body != "SECRET-BYTES of new-secret.pdf" {
		t.Errorf("the analyst's download of the new file: %d %q", code, body)
	}
	if code, _ := appPost(t, page+"/files/"+strconv.FormatInt(old.ID, 10), analystInit, ""); code != http.StatusNotFound {
		t.Errorf("the removed file downloads: %d", code)
	}

	// The draft went with the resubmission: Revise is not offered again. A revision draft left
	// behind (by an older build, say) goes with the drafts' retention once its alert is
	// returned no longer, however recent.
	if code, html := appPost(t, page+"/revise", authorInit, ""); code != http.StatusOK || strings.Contains(html, "/revise/submit") {
		t.Errorf("the revise form of a resubmitted alert: %d", code)
	}
	if err := store.SaveRevisionDraft(ctx, db, ms[authorUID].ID, al.ID, map[string]string{"text": "left"}, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if drafts, _, err := store.PurgeAppDrafts(ctx, db, h.Clock.Now().Add(-365*24*time.Hour)); err != nil || drafts != 1 {
		t.Errorf("a revision draft of an alert returned no longer was not purged: %d, %v", drafts, err)
	}
	noneSent(t, h, secrets...)
}
