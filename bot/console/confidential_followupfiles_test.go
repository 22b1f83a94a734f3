package console_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/console"
	"focalbot/bot/store"
)

// alertFileLink finds the Mini App's link to the file called name on an alert's page, "" for
// none.
func alertFileLink(html, name string) string {
	return fileLink(html, `/app/alerts/[^"]+/files/\d+`, name)
}

// With CONFIDENTIAL_CONTENT, a follow-up written on the alert's Mini App page takes photos and
// documents, with a text or alone, as the chat's follow-up does: posted with the form, checked
// all together, kept by the server with the follow-up and never sent to Telegram. They are
// listed under the follow-up for whoever reads it there (the analysts, the alert's author, the
// writer, and the recipients once an analyst publishes it), and on the console; anyone else
// gets the page's own not-found answer. A form refused (its CSRF token, a file too large,
// empty or one too many) creates nothing; the purge of abandoned alert drafts leaves them.
func TestConfidentialFollowupFiles(t *testing.T) {
	const authorUID, analystUID, readerUID, otherUID, outsiderUID = 8901, 8902, 8903, 8904, 8905
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, analystUID: {"John", store.RoleAnalyst, ""},
		readerUID: {"Dilshod", store.RoleFocalPoint, "UZ"}, otherUID: {"Timur", store.RoleFocalPoint, "UZ"},
		outsiderUID: {"Rustam", store.RoleFocalPoint, "TJ"}})
	ctx := context.Background()
	author, analyst := h.Person(authorUID, "Aliya", "en"), h.Person(analystUID, "John", "en")
	reader, other, outsider := h.Person(readerUID, "Dilshod", "en"), h.Person(otherUID, "Timur", "en"), h.Person(outsiderUID, "Rustam", "en")
	const text = "SECRET-FUFILES-TEXT 120 kg found behind the evaporator panel"
	photo := appFile{"SECRET-seizure.jpg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, "SECRETBYTES-SEIZURE"...)}
	manifest := appFile{"SECRET-manifest.pdf", []byte("%PDF-1.4 SECRETBYTES-MANIFEST of TGHU 765432-1")}
	secrets := []string{"SECRET", "seizure.jpg", "manifest.pdf", "evaporator", "TGHU", "765432"}
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := h.Store.DB.GetContext(ctx, &n, query, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	nothingCreated := func(why string) {
		t.Helper()
		if n := count(`SELECT (SELECT count(*) FROM alert_followups) + (SELECT count(*) FROM app_files)`); n != 0 {
			t.Fatalf("%s: %d rows of follow-ups and files created", why, n)
		}
	}

	// A published alert, its recipients the two Uzbek focal points.
	al := submitted(t, h, ms[authorUID], ms[analystUID], "MSKU 123456-5", "SECRET-ALERT-DESC")
	if _, err := store.DecideAlert(ctx, h.Store.DB, al.ID, 1, store.AlertPublished, ms[analystUID].ID, "", "UZ", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.AddRecipients(ctx, h.Store.DB, al.ID, []int64{ms[readerUID].ID, ms[otherUID].ID}); err != nil {
		t.Fatal(err)
	}
	page := h.App().ConsoleURL() + "/app/alerts/" + al.Ref
	code, html := appPost(t, page, reader.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, `name="file" multiple`) ||
		!strings.Contains(html, `action="/app/alerts/`+al.Ref+`/followup" data-app class="followup" enctype="multipart/form-data"`) {
		t.Fatalf("the follow-up form takes no files: %d %s", code, html)
	}
	fields := func(csrf, text string) url.Values {
		v := url.Values{"init_data": {reader.InitData(h.Clock.Now())}}
		if text != "" {
			v.Set("text", text)
		}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}

	// A forged or missing CSRF token: 403, and nothing stored.
	for _, csrf := range []string{"forged", ""} {
		if code, _ := appMultipart(t, page+"/followup", fields(csrf, text), photo); code != http.StatusForbidden {
			t.Errorf("CSRF token %q with a file: %d", csrf, code)
		}
	}
	nothingCreated("refused CSRF tokens")

	// A file over the limit, an empty one, one too many, nothing at all: refused on the page
	// with the reason, the text kept, and nothing created — not the follow-up without its files.
	csrf := csrfOf(t, html)
	big := appFile{"SECRET-big.bin", bytes.Repeat([]byte{'x'}, console.MaxAppFile+1)}
	if code, html := appMultipart(t, page+"/followup", fields(csrf, "SECRET-FUFILES-LOST"), photo, big); code != http.StatusOK ||
		!strings.Contains(html, "SECRET-big.bin is larger than 20 MB. Nothing was sent") || !strings.Contains(html, "SECRET-FUFILES-LOST</textarea>") {
		t.Errorf("an oversized file: %d %s", code, html)
	}
	if _, html := appMultipart(t, page+"/followup", fields(csrf, text), photo, appFile{"SECRET-empty.txt", nil}); !strings.Contains(html, "SECRET-empty.txt is empty. Nothing was sent") {
		t.Errorf("an empty file: %s", html)
	}
	many := make([]appFile, alert.MaxFiles+1)
	for i := range many {
		many[i] = photo
	}
	if _, html := appMultipart(t, page+"/followup", fields(csrf, text), many...); !strings.Contains(html, fmt.Sprintf("At most %d files can go with one message. Nothing was sent", alert.MaxFiles)) {
		t.Errorf("one file too many: %s", html)
	}
	if _, html := appMultipart(t, page+"/followup", fields(csrf, "")); !strings.Contains(html, "Nothing to send yet") {
		t.Errorf("a follow-up of nothing: %s", html)
	}
	nothingCreated("an oversized file, an empty file, too many files, nothing")

	// A follow-up with a photo and text, then one with a document alone.
	code, html = appMultipart(t, page+"/followup", fields(csrf, text), photo)
	if code != http.StatusOK || !strings.Contains(html, "Sent to the author of "+al.Ref) || alertFileLink(html, photo.name) == "" {
		t.Fatalf("the follow-up with a file: %d %s", code, html)
	}
	code, html = appMultipart(t, page+"/followup", fields(csrf, ""), manifest)
	if code != http.StatusOK || !strings.Contains(html, "Sent to the author of "+al.Ref) {
		t.Fatalf("the follow-up with a file alone: %d %s", code, html)
	}
	// The writer reads both under their follow-ups.
	photoLink, manifestLink := alertFileLink(html, photo.name), alertFileLink(html, manifest.name)
	if photoLink == "" || manifestLink == "" {
		t.Fatalf("the writer's page does not list the follow-ups' files: %s", html)
	}
	photoLink, manifestLink = h.App().ConsoleURL()+photoLink, h.App().ConsoleURL()+manifestLink
	var fus []store.Followup
	if err := h.Store.DB.SelectContext(ctx, &fus, `SELECT id, text, file_id FROM alert_followups WHERE alert_id = $1 ORDER BY id`, al.ID); err != nil {
		t.Fatal(err)
	}
	if len(fus) != 2 || fus[0].Text != text || fus[1].Text != "" || fus[0].FileID != nil || fus[1].FileID != nil {
		t.Fatalf("follow-ups stored: %+v", fus)
	}
	for i, f := range []appFile{photo, manifest} {
		if n := count(`SELECT count(*) FROM app_files WHERE followup_id = $1 AND name = $2 AND data = $3 AND member_id = $4
			AND alert_id IS NULL AND rfi_message_id IS NULL AND revision_of IS NULL`, fus[i].ID, f.name, f.data, ms[readerUID].ID); n != 1 {
			t.Errorf("%s is stored %d times with its follow-up", f.name, n)
		}
	}
	// The author and CARICC are told by the heading and Open; nothing of them in Telegram.
	author.WaitCount("Follow-up to "+al.Ref, 2)
	analyst.WaitCount("Follow-up to "+al.Ref, 2)
	noneSent(t, h, secrets...)

	// Before an analyst publishes them, the other recipient neither reads nor downloads them:
	// the same answer as for a file that does not exist. An outsider gets the page's answer.
	missingCode, missing := appPost(t, page+"/files/999999", other.InitData(h.Clock.Now()), "")
	if missingCode != http.StatusNotFound {
		t.Fatalf("a missing file: %d", missingCode)
	}
	if _, html := appPost(t, page, other.InitData(h.Clock.Now()), ""); strings.Contains(html, "SECRET-FUFILES-TEXT") ||
		strings.Contains(html, photo.name) || strings.Contains(html, manifest.name) {
		t.Errorf("the other recipient reads the follow-ups before they are published: %s", html)
	}
	for _, link := range []string{photoLink, manifestLink} {
		if code, body := appPost(t, link, other.InitData(h.Clock.Now()), ""); code != missingCode || body != missing {
			t.Errorf("the other recipient downloads %s before it is published: %d %q", link, code, body)
		}
	}
	// Nor a file sent in the chat with a follow-up not published to them (kept by Telegram).
	chatFU := &store.Followup{AlertID: al.ID, AuthorID: ms[readerUID].ID, Kind: "followup", Lang: "en",
		FileKind: ptr("document"), FileID: ptr("SECRET-CHAT-FILE-ID"), CreatedAt: h.Clock.Now()}
	if _, err := store.InsertFollowup(ctx, h.Store.DB, chatFU); err != nil {
		t.Fatal(err)
	}
	if code, body := appPost(t, fmt.Sprintf("%s/chatfiles/f%d", page, chatFU.ID), other.InitData(h.Clock.Now()), ""); code != missingCode || body != missing {
		t.Errorf("the other recipient downloads the chat's file of an unpublished follow-up: %d %q", code, body)
	}
	outsiderCode, outsiderPage := appPost(t, page, outsider.InitData(h.Clock.Now()), "")
	if outsiderCode != http.StatusNotFound {
		t.Fatalf("the outsider opened the alert: %d", outsiderCode)
	}
	for _, link := range []string{photoLink, manifestLink} {
		if code, body := appPost(t, link, outsider.InitData(h.Clock.Now()), ""); code != outsiderCode || body != outsiderPage {
			t.Errorf("the outsider's download of %s: %d %q, the page's answer is %d %q", link, code, body, outsiderCode, outsiderPage)
		}
	}

	// The analyst and the author read and download both.
	for name, p := range map[string]interface{ InitData(time.Time) string }{"analyst": analyst, "author": author} {
		_, html := appPost(t, page, p.InitData(h.Clock.Now()), "")
		if !strings.Contains(html, text) || alertFileLink(html, photo.name) == "" || alertFileLink(html, manifest.name) == "" {
			t.Errorf("the %s's page lacks the follow-ups' files: %s", name, html)
		}
		for _, c := range []struct {
			link string
			f    appFile
		}{{photoLink, photo}, {manifestLink, manifest}} {
			if code, body := appPost(t, c.link, p.InitData(h.Clock.Now()), ""); code != http.StatusOK || body != string(c.f.data) {
				t.Errorf("the %s's download of %s: %d %q", name, c.f.name, code, body)
			}
		}
	}

	// The analyst publishes the first from the chat: the other recipient gets its heading and
	// Open, then reads and downloads its file; the second stays theirs to ask for.
	pub := fmt.Sprintf("afp:%d", fus[0].ID)
	msgID := 0
	for _, m := range analyst.Messages() {
		for _, b := range m.Buttons() {
			if b.CallbackData == pub {
				msgID = m.ID
			}
		}
	}
	if msgID == 0 {
		t.Fatalf("no Publish button %s for the analyst", pub)
	}
	analyst.ClickData(msgID, pub)
	got := other.WaitText("Follow-up to " + al.Ref)
	if appURL(t, got) != page {
		t.Errorf("the published follow-up's Open goes to %q, not %q", appURL(t, got), page)
	}
	if _, html := appPost(t, page, other.InitData(h.Clock.Now()), ""); !strings.Contains(html, text) || alertFileLink(html, photo.name) == "" ||
		strings.Contains(html, manifest.name) {
		t.Errorf("the other recipient's page once the first is published: %s", html)
	}
	if code, body := appPost(t, photoLink, other.InitData(h.Clock.Now()), ""); code != http.StatusOK || body != string(photo.data) {
		t.Errorf("the other recipient's download of the published follow-up's file: %d %q", code, body)
	}
	if code, body := appPost(t, manifestLink, other.InitData(h.Clock.Now()), ""); code != missingCode || body != missing {
		t.Errorf("the other recipient downloads the unpublished follow-up's file: %d %q", code, body)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'app_file_download' AND subject_id = $1 AND after ? 'followup'`, al.ID); n != 5 {
		t.Errorf("%d downloads audited, want 5", n)
	}

	// The analysts' console lists them under their follow-ups, and serves them.
	analyst.Say("/console")
	link := linkRE.FindString(analyst.WaitText("/signin/").Text)
	c := newClient(t, link)
	if code, _ := c.signIn(link); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	code, html, _ = c.do("GET", "/alerts/"+al.Ref, nil)
	download := fileLink(html, `/alerts/[^"]+/files/m\d+`, manifest.name)
	if code != http.StatusOK || download == "" || !strings.Contains(html, photo.name) {
		t.Fatalf("the console's alert page: %d %s", code, html)
	}
	if code, body, _ := c.do("GET", download, nil); code != http.StatusOK || body != string(manifest.data) {
		t.Errorf("the console's download: %d %q", code, body)
	}

	// Retention: they stay with their follow-ups. The purge of abandoned alert drafts leaves
	// them, and they are on no draft of the writer's: not listed there, not given to the next
	// alert they submit.
	if _, _, err := store.PurgeAppDrafts(ctx, h.Store.DB, h.Clock.Now().Add(365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM app_files WHERE followup_id IS NOT NULL`); n != 2 {
		t.Errorf("%d files of follow-ups left after the drafts' purge, want 2", n)
	}
	if fs, err := store.DraftAppFiles(ctx, h.Store.DB, ms[readerUID].ID); err != nil || len(fs) != 0 {
		t.Errorf("the writer's alert draft shows the follow-ups' files: %v %v", fs, err)
	}
	if err := store.AttachDraftFiles(ctx, h.Store.DB, ms[readerUID].ID, al.ID); err != nil {
		t.Errorf("the writer's draft files given to an alert: %v", err)
	}
	if n := count(`SELECT count(*) FROM app_files WHERE followup_id IS NOT NULL AND alert_id IS NULL`); n != 2 {
		t.Errorf("%d files of follow-ups left with them, want 2", n)
	}
	noneSent(t, h, secrets...)
}
