package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"focalbot/bot/console"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// appFile is a file a Mini App form posts.
type appFile struct {
	name string
	data []byte
}

// appMultipart posts a Mini App form with files, as the page's script posts a form whose
// enctype is multipart/form-data.
func appMultipart(t *testing.T, target string, fields url.Values, files ...appFile) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	_ = mw.Close()
	resp, err := http.Post(target, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// appFileLink finds the Mini App's link to the file called name on a request's page.
func appFileLink(t *testing.T, html, name string) string {
	t.Helper()
	link := fileLink(html, `/app/requests/[^"]+/files/m\d+`, name)
	if link == "" {
		t.Fatalf("no link to %s on the page: %s", name, html)
	}
	return link
}

// fileLink is the address, matching path, of the page's link to the file called name; ""
// when there is none.
func fileLink(html, path, name string) string {
	m := regexp.MustCompile(`href="(` + path + `)"[^>]*>` + regexp.QuoteMeta(name) + `<`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return m[1]
}

// With CONFIDENTIAL_CONTENT, files go with a request, a reply and an answer written in the
// Mini App: posted with the form, kept by the server with the thread's message, listed on the
// request's page and downloaded there by its parties and CARICC only; neither their names nor
// their bytes reach Telegram. A form refused (its CSRF token, a file too large, empty or one
// too many) creates nothing, not even part of it.
func TestConfidentialRequestFiles(t *testing.T) {
	const askerUID, targetUID, analystUID, colleagueUID, tjUID = 8801, 8802, 8803, 8804, 8805
	h, ms := confidentialNet(t, map[int64][3]string{
		askerUID: {"Aliya", store.RoleFocalPoint, "KZ"}, targetUID: {"Dilshod", store.RoleFocalPoint, "UZ"},
		analystUID: {"John", store.RoleAnalyst, ""}, colleagueUID: {"Nurlan", store.RoleFocalPoint, "KZ"},
		tjUID: {"Rustam", store.RoleFocalPoint, "TJ"}})
	ctx := context.Background()
	asker, target, analyst := h.Person(askerUID, "Aliya", "en"), h.Person(targetUID, "Dilshod", "en"), h.Person(analystUID, "John", "en")
	colleague, tj := h.Person(colleagueUID, "Nurlan", "en"), h.Person(tjUID, "Rustam", "en")
	const text, reply = "SECRET-RFIFILES-TEXT container TGHU 765432-1", "SECRET-RFIFILES-REPLY consignee is Acme"
	plan := appFile{"SECRET-plan.pdf", []byte("%PDF-1.4 SECRETBYTES-PLAN manifest of MSKU 1234565")}
	answerFile := appFile{"SECRET-answer.jpg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, "SECRETBYTES-ANSWER"...)}
	replyFile := appFile{"SECRET-reply.xlsx", []byte("SECRETBYTES-REPLY consignee list")}
	secrets := []string{"SECRET", "plan.pdf", "answer.jpg", "reply.xlsx", "TGHU", "Acme", "1234565"}
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
		if n := count(`SELECT (SELECT count(*) FROM rfis) + (SELECT count(*) FROM rfi_messages) + (SELECT count(*) FROM app_files)`); n != 0 {
			t.Fatalf("%s: %d rows of requests, messages and files created", why, n)
		}
	}

	asker.Say("/ask")
	page := appURL(t, asker.WaitText("Write your request in the form"))
	code, form := appPost(t, page, asker.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(form, `type="file"`) || !strings.Contains(form, `enctype="multipart/form-data"`) {
		t.Fatalf("the form has no file input: %d %s", code, form)
	}
	fields := func(csrf string) url.Values {
		v := url.Values{"country": {"UZ"}, "urgency": {"urgent"}, "reply_by": {"24h"}, "text": {text},
			"init_data": {asker.InitData(h.Clock.Now())}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}

	// A forged or missing CSRF token: 403, and nothing stored.
	for _, csrf := range []string{"forged", ""} {
		if code, _ := appMultipart(t, page+"/submit", fields(csrf), plan); code != http.StatusForbidden {
			t.Errorf("CSRF token %q with a file: %d", csrf, code)
		}
	}
	nothingCreated("refused CSRF tokens")

	// A file over the limit, an empty one, one too many: refused on the form with the reason,
	// the text kept, and nothing created — not the request without its files.
	csrf := csrfOf(t, form)
	big := appFile{"SECRET-big.bin", bytes.Repeat([]byte{'x'}, console.MaxAppFile+1)}
	code, html := appMultipart(t, page+"/submit", fields(csrf), plan, big)
	if code != http.StatusOK || !strings.Contains(html, "SECRET-big.bin is larger than 20 MB. Nothing was sent") || !strings.Contains(html, "TGHU 765432-1") {
		t.Errorf("an oversized file: %d %s", code, html)
	}
	nothingCreated("an oversized file")
	if _, html := appMultipart(t, page+"/submit", fields(csrf), plan, appFile{"SECRET-empty.txt", nil}); !strings.Contains(html, "SECRET-empty.txt is empty. Nothing was sent") {
		t.Errorf("an empty file: %s", html)
	}
	many := make([]appFile, rfi.MaxFiles+1)
	for i := range many {
		many[i] = plan
	}
	if _, html := appMultipart(t, page+"/submit", fields(csrf), many...); !strings.Contains(html, "At most 10 files can go with one message. Nothing was sent") {
		t.Errorf("one file too many: %s", html)
	}
	nothingCreated("an empty file and too many files")

	// The request with its file.
	code, html = appMultipart(t, page+"/submit", fields(csrf), plan)
	ref := regexp.MustCompile(`RFI-\d{4}-\d+`).FindString(html)
	if code != http.StatusOK || ref == "" {
		t.Fatalf("the submission with a file: %d %s", code, html)
	}
	reqPage := strings.TrimSuffix(page, "new") + ref
	if open := appURL(t, target.WaitText("New request for information")); open != reqPage {
		t.Fatalf("the target's Open goes to %q, not %q", open, reqPage)
	}
	analyst.WaitText("New request for information")
	if n := count(`SELECT count(*) FROM app_files f JOIN rfi_messages m ON m.id = f.rfi_message_id
		WHERE m.kind = 'request' AND f.alert_id IS NULL AND f.name = $1 AND f.member_id = $2`, plan.name, ms[askerUID].ID); n != 1 {
		t.Errorf("the request's file is stored %d times with its message", n)
	}
	if n := count(`SELECT count(*) FROM rfi_attachments`); n != 0 {
		t.Errorf("%d files of the Mini App stored as Telegram attachments", n)
	}
	noneSent(t, h, secrets...)

	// The target reads the request and its file, and replies with a file.
	code, html = appPost(t, reqPage, target.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, "TGHU 765432-1") {
		t.Fatalf("the target's page: %d %s", code, html)
	}
	planLink := h.App().ConsoleURL() + appFileLink(t, html, plan.name)
	if code, body := appPost(t, planLink, target.InitData(h.Clock.Now()), ""); code != http.StatusOK || body != string(plan.data) {
		t.Errorf("the target's download of the request's file: %d %q", code, body)
	}
	code, html = appMultipart(t, reqPage+"/reply", url.Values{"text": {reply}, "init_data": {target.InitData(h.Clock.Now())}, "csrf": {csrfOf(t, html)}}, replyFile)
	if code != http.StatusOK || !strings.Contains(html, "Your reply in") {
		t.Fatalf("the reply with a file: %d %s", code, html)
	}
	asker.WaitText("New message in this request")
	analyst.WaitCount("New message in this request", 1)

	// The requester downloads the reply's file and answers with a file alone.
	code, html = appPost(t, reqPage, asker.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, reply) {
		t.Fatalf("the requester's page: %d %s", code, html)
	}
	replyLink := h.App().ConsoleURL() + appFileLink(t, html, replyFile.name)
	if code, body := appPost(t, replyLink, asker.InitData(h.Clock.Now()), ""); code != http.StatusOK || body != string(replyFile.data) {
		t.Errorf("the requester's download of the reply's file: %d %q", code, body)
	}
	// Too large a file on an answer: refused with the reason, the text kept, nothing stored.
	if _, html := appMultipart(t, reqPage+"/reply", url.Values{"text": {"SECRET-RFIFILES-LOST"}, "init_data": {asker.InitData(h.Clock.Now())},
		"csrf": {csrfOf(t, html)}}, big); !strings.Contains(html, "larger than 20 MB. Nothing was sent") || !strings.Contains(html, "SECRET-RFIFILES-LOST</textarea>") {
		t.Errorf("an oversized file on an answer: %s", html)
	}
	if n := count(`SELECT count(*) FROM rfi_messages WHERE kind = 'answer'`); n != 0 {
		t.Errorf("the refused answer was stored (%d)", n)
	}
	if code, html := appMultipart(t, reqPage+"/reply", url.Values{"init_data": {asker.InitData(h.Clock.Now())}, "csrf": {csrfOf(t, html)}}, answerFile); code != http.StatusOK || !strings.Contains(html, "Your answer") {
		t.Fatalf("the answer with a file alone: %d %s", code, html)
	}
	target.WaitText("New message in this request")

	// The target and CARICC download the answer's file; a colleague of the requester outside
	// the request and a member of another country get the page's own not-found answer.
	_, html = appPost(t, reqPage, target.InitData(h.Clock.Now()), "")
	answerLink := h.App().ConsoleURL() + appFileLink(t, html, answerFile.name)
	for _, p := range []string{"target", "analyst"} {
		who := map[string]string{"target": target.InitData(h.Clock.Now()), "analyst": analyst.InitData(h.Clock.Now())}[p]
		if code, body := appPost(t, answerLink, who, ""); code != http.StatusOK || body != string(answerFile.data) {
			t.Errorf("the %s's download of the answer's file: %d %q", p, code, body)
		}
	}
	for name, p := range map[string]interface{ InitData(time.Time) string }{"colleague": colleague, "other country": tj} {
		pageCode, pageBody := appPost(t, reqPage, p.InitData(h.Clock.Now()), "")
		if pageCode != http.StatusNotFound {
			t.Fatalf("the %s opened the request: %d", name, pageCode)
		}
		for _, link := range []string{planLink, replyLink, answerLink} {
			if code, body := appPost(t, link, p.InitData(h.Clock.Now()), ""); code != pageCode || body != pageBody {
				t.Errorf("the %s's download of %s: %d %q, the page's answer is %d %q", name, link, code, body, pageCode, pageBody)
			}
		}
	}
	if code, _ := appPost(t, reqPage+"/files/m999999", target.InitData(h.Clock.Now()), ""); code != http.StatusNotFound {
		t.Errorf("a missing file: %d", code)
	}
	x, err := store.RFIByRef(ctx, h.Store.DB, ref)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'app_file_download' AND subject_id = $1`, x.ID); n != 4 {
		t.Errorf("%d downloads audited, want 4", n)
	}

	// The analysts' console lists them too, and serves them.
	analyst.Say("/console")
	link := linkRE.FindString(analyst.WaitText("/signin/").Text)
	c := newClient(t, link)
	if code, _ := c.signIn(link); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	code, html, _ = c.do("GET", "/requests/"+ref, nil)
	download := fileLink(html, `/requests/[^"]+/files/m\d+`, replyFile.name)
	if code != http.StatusOK || download == "" || !strings.Contains(html, plan.name) || !strings.Contains(html, answerFile.name) {
		t.Fatalf("the console's request page: %d %s", code, html)
	}
	if code, body, _ := c.do("GET", download, nil); code != http.StatusOK || body != string(replyFile.data) {
		t.Errorf("the console's download: %d %q", code, body)
	}

	// Retention: they stay with their request; the purge of abandoned alert drafts leaves them.
	if _, _, err := store.PurgeAppDrafts(ctx, h.Store.DB, h.Clock.Now().Add(365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM app_files WHERE rfi_message_id IS NOT NULL`); n != 3 {
		t.Errorf("%d files of the thread left after the drafts' purge, want 3", n)
	}
	if fs, err := store.DraftAppFiles(ctx, h.Store.DB, ms[askerUID].ID); err != nil || len(fs) != 0 {
		t.Errorf("the requester's alert draft shows the request's files: %v %v", fs, err)
	}
	noneSent(t, h, secrets...)
}
