package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/alert"
	"focalbot/bot/alert/submission"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// confidentialNet starts the bot in confidential mode with its console, and members by
// Telegram user ID: name, role and country ("" for none).
func confidentialNet(t *testing.T, people map[int64][3]string) (*bottest.Harness, map[int64]*store.Member) {
	t.Helper()
	h := bottest.Start(t, handlers.Register)
	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	h.Config.ConfidentialContent = true
	runWithConsole(t, h)
	ctx := context.Background()
	out := map[int64]*store.Member{}
	for uid, p := range people {
		m := store.Member{TelegramUserID: uid, ChatID: uid, DisplayName: p[0], Role: p[1], Agency: "customs", Language: "en", State: store.StateActive}
		if p[2] != "" {
			c := p[2]
			m.Country = &c
		}
		id, err := store.InsertMember(ctx, h.Store.DB, m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.MemberByID(ctx, h.Store.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		out[uid] = got
	}
	return h, out
}

// noneSent fails the test for every call the bot made to Telegram so far that carries one
// of secrets, in any parameter.
func noneSent(t *testing.T, h *bottest.Harness, secrets ...string) {
	t.Helper()
	h.WaitIdle()
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
}

// appChange posts a Mini App change with its CSRF token, read from the page at target first.
func appChange(t *testing.T, page, action, initData string, fields url.Values) (int, string) {
	t.Helper()
	code, body := appPost(t, page, initData, "")
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", page, code, body)
	}
	fields.Set("init_data", initData)
	fields.Set("csrf", csrfOf(t, body))
	resp, err := http.PostForm(page+action, fields)
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

// With CONFIDENTIAL_CONTENT, a request for information reaches its target as its reference,
// countries and deadline with Open; its text and file, the reply and the answer are read and
// written in the Mini App, by the request's parties and CARICC only, and none of them reaches
// Telegram.
func TestConfidentialRequestEndToEnd(t *testing.T) {
	const requesterUID, targetUID, analystUID, outsiderUID = 8401, 8402, 8403, 8404
	h, ms := confidentialNet(t, map[int64][3]string{
		requesterUID: {"Aliya", store.RoleFocalPoint, "KZ"}, targetUID: {"Dilshod", store.RoleFocalPoint, "UZ"},
		analystUID: {"John", store.RoleAnalyst, ""}, outsiderUID: {"Rustam", store.RoleFocalPoint, "TJ"}})
	ctx := context.Background()
	now := h.Clock.Now()
	const body, fileID, reply, answer, decline = "SECRET-BODY container TGHU 765432-1 seal X55", "SECRET-FILE-ID",
		"SECRET-REPLY consignee is Acme", "SECRET-ANSWER thanks", "SECRET-DECLINE"
	secrets := []string{"SECRET", "TGHU", "Acme"}

	var ref string
	err := h.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if ref, err = store.NextRFIRef(ctx, tx, now.Year()); err != nil {
			return err
		}
		x := store.RFI{Ref: ref, RequesterID: ms[requesterUID].ID, TargetCountries: pq.StringArray{"UZ"}, Urgency: store.RFIUrgent,
			ReplyBy: now.Add(24 * time.Hour), EscalateAt: now.Add(48 * time.Hour), CreatedAt: now}
		if x.ID, err = store.InsertRFI(ctx, tx, x); err != nil {
			return err
		}
		if err := store.InsertRFIRecipients(ctx, tx, []store.RFIRecipient{
			{RFIID: x.ID, MemberID: ms[targetUID].ID, Role: store.RFITarget, Pool: "UZ", UpdatedAt: now},
			{RFIID: x.ID, MemberID: ms[analystUID].ID, Role: store.RFICopy, Pool: store.RFIPoolCARICC, UpdatedAt: now}}); err != nil {
			return err
		}
		requester := ms[requesterUID].ID
		msgID, err := store.InsertRFIMessage(ctx, tx, store.RFIMessage{RFIID: x.ID, AuthorID: &requester, Kind: store.RFIMsgRequest, Body: body, Lang: "en", CreatedAt: now})
		if err != nil {
			return err
		}
		fid, err := store.InsertRFIAttachment(ctx, tx, store.RFIAttachment{MessageID: msgID, Kind: "document", FileID: fileID, FileName: "SECRET-manifest.pdf"})
		if err != nil {
			return err
		}
		return rfi.Enqueue(ctx, tx, &x, []int64{ms[targetUID].ID, ms[analystUID].ID}, rfi.KindRequest, x.ID, []int64{fid})
	})
	if err != nil {
		t.Fatal(err)
	}
	requester, target, analyst, outsider := h.Person(requesterUID, "Aliya", "en"), h.Person(targetUID, "Dilshod", "en"),
		h.Person(analystUID, "John", "en"), h.Person(outsiderUID, "Rustam", "en")

	// The target and CARICC's copy get the header and Open.
	got := target.WaitText("New request for information")
	for _, want := range []string{ref, "Uzbekistan", "Reply by:"} {
		if !strings.Contains(got.Plain(), want) {
			t.Errorf("the header lacks %q: %q", want, got.Plain())
		}
	}
	page := appURL(t, got)
	if !strings.HasSuffix(page, "/app/requests/"+ref) {
		t.Fatalf("no Open button to the request: %+v", got.Buttons())
	}
	analyst.WaitText("New request for information")
	// Taking it stays a button of the chat: it carries nothing of the request.
	target.Click("I am handling it")
	requester.WaitText("is handling this request")
	noneSent(t, h, secrets...)

	// The target reads the text and its file in the Mini App, and replies there.
	code, html := appPost(t, page, target.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, "TGHU 765432-1") || !strings.Contains(html, "SECRET-manifest.pdf") {
		t.Fatalf("the target's Mini App page: %d %s", code, html)
	}
	if code, html := appChange(t, page, "/reply", target.InitData(h.Clock.Now()), url.Values{"text": {reply}}); code != http.StatusOK || !strings.Contains(html, `id="app-notice"`) {
		t.Fatalf("reply in the Mini App: %d %s", code, html)
	}
	requester.WaitText("New message in this request")
	noneSent(t, h, secrets...)

	// The requester reads the reply, answers and closes, all in the Mini App.
	code, html = appPost(t, page, requester.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, reply) || !strings.Contains(html, `id="app-close"`) {
		t.Fatalf("the requester's Mini App page: %d %s", code, html)
	}
	if code, _ := appChange(t, page, "/reply", requester.InitData(h.Clock.Now()), url.Values{"text": {answer}}); code != http.StatusOK {
		t.Fatalf("answer in the Mini App: %d", code)
	}
	target.WaitText("New message in this request")
	// A decline is only for a target: the requester's is refused, and changes nothing.
	if _, html := appChange(t, page, "/decline", requester.InitData(h.Clock.Now()), url.Values{"text": {decline}}); strings.Contains(html, decline) {
		t.Error("the requester's decline was recorded")
	}
	if code, _ := appChange(t, page, "/close", requester.InitData(h.Clock.Now()), url.Values{}); code != http.StatusOK {
		t.Fatalf("close in the Mini App: %d", code)
	}
	target.WaitText("was closed by the requester")

	// CARICC's copy sees the whole thread; someone outside it gets the answer of a request that
	// does not exist.
	if _, html := appPost(t, page, analyst.InitData(h.Clock.Now()), ""); !strings.Contains(html, answer) {
		t.Error("the analyst's Mini App page lacks the answer")
	}
	code, html = appPost(t, page, outsider.InitData(h.Clock.Now()), "")
	if code != http.StatusNotFound || strings.Contains(html, "SECRET") {
		t.Errorf("an outsider opened the request: %d %s", code, html)
	}
	if code, _ := appPost(t, strings.TrimSuffix(page, ref)+"RFI-1999-9999", analyst.InitData(h.Clock.Now()), ""); code != http.StatusNotFound {
		t.Errorf("a missing request: %d", code)
	}

	// /request REF in the chat shows the header and Open, not the thread.
	target.Say("/request " + ref)
	if m := target.WaitNew(ref); appURL(t, m) == "" {
		t.Errorf("/request shows no Open: %q", m.Plain())
	}
	noneSent(t, h, secrets...)
}

// In confidential mode a broadcast's text never passes through Telegram: /broadcast creates
// the draft, confidential, whose panel's Open leads to the Mini App page where its author — and
// nobody else — writes its texts (the chat's length rule; CSRF), the chat's panel and preview
// show of them only languages and lengths, and the broadcast reaches its recipients as its
// header and Open, to be read and acknowledged in the Mini App.
func TestConfidentialBroadcast(t *testing.T) {
	const analystUID, kzUID, tjUID, otherUID = 8501, 8502, 8503, 8504
	h, ms := confidentialNet(t, map[int64][3]string{
		analystUID: {"Aida", store.RoleAnalyst, ""}, kzUID: {"Kate", store.RoleFocalPoint, "KZ"}, tjUID: {"Farrukh", store.RoleFocalPoint, "TJ"},
		otherUID: {"Bakyt", store.RoleAnalyst, ""}})
	const text = "SECRET-BC controlled delivery through Dostyk on Tuesday"
	const textRU = "SECRET-RU контролируемая поставка через Достык во вторник"
	a, kz, tj, other := h.Person(analystUID, "Aida", "en"), h.Person(kzUID, "Kate", "en"), h.Person(tjUID, "Farrukh", "en"), h.Person(otherUID, "Bakyt", "en")
	ctx := context.Background()

	// /broadcast asks for no text: the draft's panel, with Open to the page of its texts and
	// neither the chat's Add a language nor the confidential toggle.
	a.Say("/broadcast")
	panel := a.WaitText("written in the app")
	edit := appURL(t, panel)
	if !strings.HasSuffix(edit, "/edit") {
		t.Fatalf("the draft's panel has no Open to its texts: %+v", panel.Buttons())
	}
	for _, label := range []string{"🔒 Confidential", "✓ 🔒 Confidential", "Add a language"} {
		if _, ok := panel.Button(label); ok {
			t.Errorf("the confidential draft's panel offers %q", label)
		}
	}
	var id int64
	if _, err := fmt.Sscanf(edit[strings.LastIndex(edit, "/broadcasts/")+len("/broadcasts/"):], "%d/edit", &id); err != nil {
		t.Fatalf("%s: %v", edit, err)
	}
	if b, err := store.BroadcastByID(ctx, h.Store.DB, id); err != nil || !b.Confidential {
		t.Fatalf("the draft is not confidential: %+v %v", b, err)
	}
	a.Click("Preview")
	a.WaitNew("has no text yet")
	a.SendPhoto("")
	a.WaitText("takes no photo or document")
	texts := func() map[string]string {
		t.Helper()
		got, err := store.BroadcastTexts(ctx, h.Store.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Another analyst and a focal point get the answer of a broadcast that does not exist.
	_, missing := appPost(t, strings.Replace(edit, fmt.Sprintf("/%d/", id), "/999999/", 1), a.InitData(h.Clock.Now()), "")
	for _, p := range []*bottest.Person{other, kz} {
		if code, html := appPost(t, edit, p.InitData(h.Clock.Now()), ""); code != http.StatusNotFound || html != missing {
			t.Errorf("%s opened the draft's texts: %d %s", p.FirstName(), code, html)
		}
	}
	// A save with a forged CSRF token is refused and saves nothing.
	resp, err := http.PostForm(edit+"/save", url.Values{"init_data": {a.InitData(h.Clock.Now())}, "csrf": {"forged"}, "text_en": {text}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(texts()) != 0 {
		t.Fatalf("a forged save: %d, texts %d", resp.StatusCode, len(texts()))
	}
	// Another analyst's save, with their own token, is answered as a missing broadcast.
	if code, _ := appPostForm(t, edit+"/save", other.InitData(h.Clock.Now()), url.Values{"text_en": {text}}); code != http.StatusNotFound || len(texts()) != 0 {
		t.Fatalf("another analyst's save: %d, texts %d", code, len(texts()))
	}
	// Too long: the chat's refusal, nothing saved, the page keeps what was typed.
	long := strings.Repeat("x", 3801)
	code, html := appChange(t, edit, "/save", a.InitData(h.Clock.Now()), url.Values{"text_en": {text}, "text_ru": {long}})
	if code != http.StatusOK || !strings.Contains(html, "This text has 3801 characters; at most 3800 fit") || !strings.Contains(html, long) || len(texts()) != 0 {
		t.Fatalf("a too long text: %d, texts %d: %s", code, len(texts()), html)
	}
	if m, _ := a.Message(panel.ID); !strings.Contains(m.Plain(), "Languages: —") {
		t.Fatalf("the panel before the save: %q", m.Plain())
	}
	before := len(a.Messages())
	code, html = appChange(t, edit, "/save", a.InitData(h.Clock.Now()), url.Values{"text_en": {text}, "text_ru": {textRU}})
	if code != http.StatusOK || !strings.Contains(html, "Saved.") {
		t.Fatalf("save: %d %s", code, html)
	}
	if got := texts(); got["en"] != text || got["ru"] != textRU || len(got) != 2 {
		t.Fatalf("saved texts: %q", got)
	}
	// The save has redrawn the chat's panel in place, before answering: the languages and
	// lengths saved, its buttons kept, no new message.
	redrawn, _ := a.Message(panel.ID)
	for _, want := range []string{fmt.Sprintf("English (%d/3800)", len(text)), fmt.Sprintf("Русский (%d/3800)", utf8.RuneCountInString(textRU))} {
		if !strings.Contains(redrawn.Plain(), want) {
			t.Errorf("the panel after the save lacks %q: %q", want, redrawn.Plain())
		}
	}
	if appURL(t, redrawn) != edit || len(a.Messages()) != before {
		t.Errorf("the panel lost its Open (%+v), or %d new messages", redrawn.Buttons(), len(a.Messages())-before)
	}
	noneSent(t, h, "SECRET", "Dostyk", "Достык", "xxxxxxxxxx")

	// The chat's panel: languages and lengths, no text.
	a.Click("Audience")
	a.WaitText("Audience of broadcast #")
	a.Click("Kazakhstan")
	a.WaitText("Now: Kazakhstan — 1 recipient")
	a.Click("Done")
	shown := a.WaitText("Audience: Kazakhstan — 1 recipient")
	if !strings.Contains(shown.Plain(), fmt.Sprintf("English (%d/3800)", len(text))) {
		t.Errorf("the panel does not show the English version's length: %q", shown.Plain())
	}
	a.Click("Ask to acknowledge")
	a.WaitText("Acknowledgement: asked for")
	a.Click("Preview")
	preview := a.WaitText("Preview of broadcast #")
	if !strings.Contains(preview.Plain(), "not sent through Telegram") {
		t.Errorf("the preview does not show the recipients' notice: %q", preview.Plain())
	}
	a.Click("Send to 1 recipient")

	got := kz.WaitText("The text is not sent through Telegram")
	page := appURL(t, got)
	if !strings.Contains(page, "/app/broadcasts/") {
		t.Fatalf("no Open button: %+v", got.Buttons())
	}
	a.Say("/broadcasts")
	a.WaitNew("Confidential")
	// Once sent, the page of its texts no longer changes them.
	if code, _ := appPostForm(t, edit+"/save", a.InitData(h.Clock.Now()), url.Values{"text_en": {"changed"}}); code != http.StatusConflict || texts()["en"] != text {
		t.Errorf("a save after Send: %d %q", code, texts()["en"])
	}
	noneSent(t, h, "SECRET", "Dostyk", "Достык", "xxxxxxxxxx")

	// The recipient reads it and acknowledges in the Mini App; the count moves.
	code, html = appPost(t, page, kz.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, text) || !strings.Contains(html, `id="app-ack"`) {
		t.Fatalf("the recipient's Mini App page: %d %s", code, html)
	}
	if code, html := appChange(t, page, "/ack", kz.InitData(h.Clock.Now()), url.Values{}); code != http.StatusOK || strings.Contains(html, `id="app-ack"`) {
		t.Fatalf("acknowledge in the Mini App: %d %s", code, html)
	}
	var acked int
	if err := h.Store.DB.Get(&acked, `SELECT count(*) FROM broadcast_recipients WHERE member_id = $1 AND acked_at IS NOT NULL`, ms[kzUID].ID); err != nil || acked != 1 {
		t.Fatalf("acknowledgements: %d, %v", acked, err)
	}
	// The author sees it; a member it did not go to does not.
	if _, html := appPost(t, page, a.InitData(h.Clock.Now()), ""); !strings.Contains(html, text) {
		t.Error("the author's Mini App page lacks the text")
	}
	if code, html := appPost(t, page, tj.InitData(h.Clock.Now()), ""); code != http.StatusNotFound || strings.Contains(html, "SECRET") {
		t.Errorf("a member outside the audience opened it: %d", code)
	}
	if n := len(tj.Messages()); n != 0 {
		t.Errorf("the Tajik member got %d messages", n)
	}
	noneSent(t, h, "SECRET", "Dostyk", "Достык", "xxxxxxxxxx")
}

// appPostForm posts a Mini App change with fields and the CSRF token of the viewer's own
// initData (as their page would carry it), without reading the page first.
func appPostForm(t *testing.T, target, initData string, fields url.Values) (int, string) {
	t.Helper()
	// The token comes with any page the viewer may open: the shell's content of the list.
	code, body := appPost(t, target[:strings.Index(target, "/app/")]+"/app/requests/new", initData, "")
	if code != http.StatusOK {
		t.Fatalf("no page to read the CSRF token from: %d %s", code, body)
	}
	fields.Set("init_data", initData)
	fields.Set("csrf", csrfOf(t, body))
	resp, err := http.PostForm(target, fields)
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

// submitted stores an alert from author with a container number and description, as the
// chat's or the Mini App's form would leave it, and queues its verification to the analyst.
func submitted(t *testing.T, h *bottest.Harness, author, analyst *store.Member, container, description string) *store.Alert {
	t.Helper()
	ctx := context.Background()
	kz := "KZ"
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container", Substance: "heroin",
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: container, Norm: strings.ReplaceAll(strings.ReplaceAll(container, " ", ""), "-", "")}},
		Text:        description, Lang: "en"}
	ref, err := store.NextAlertRef(ctx, h.Store.DB, h.Clock.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	al := &store.Alert{Ref: ref, AuthorID: author.ID, AuthorCountry: &kz, Classification: c.Classification, Content: c, SubmittedAt: h.Clock.Now()}
	if al.ID, err = store.InsertAlert(ctx, h.Store.DB, al); err != nil {
		t.Fatal(err)
	}
	if _, err := delivery.Enqueue(ctx, h.Store.DB, []delivery.Item{{MemberID: analyst.ID, ChatID: analyst.ChatID,
		Kind: "alert_verify", RefID: al.ID, Variant: "r1", Priority: delivery.Urgent}}); err != nil {
		t.Fatal(err)
	}
	return al
}

// In confidential mode the author learns that an alert was returned or rejected from its
// reference and Open, and reads the analyst's reason in the Mini App: neither the alert's
// content nor the reason reaches Telegram in the decision.
func TestConfidentialDecisionNotice(t *testing.T) {
	const authorUID, analystUID, otherUID = 8601, 8602, 8603
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, analystUID: {"John", store.RoleAnalyst, ""}, otherUID: {"Dilshod", store.RoleFocalPoint, "UZ"}})
	author, analyst, other := h.Person(authorUID, "Aliya", "en"), h.Person(analystUID, "John", "en"), h.Person(otherUID, "Dilshod", "en")
	for _, c := range []struct{ state, reason, said string }{
		{store.AlertReturned, "SECRET-REASON-R the seal number is wrong", "returned for changes"},
		{store.AlertRejected, "SECRET-REASON-X duplicate of an earlier alert", "was not published"},
	} {
		al := submitted(t, h, ms[authorUID], ms[analystUID], "MSKU 123456-5", "SECRET-DESC hidden in the evaporator")
		analyst.WaitText(al.Ref)
		decideInApp(t, h, analyst, al, c.state, c.reason)
		got := author.WaitText(c.said)
		if !strings.Contains(got.Plain(), al.Ref) || strings.Contains(got.Plain(), "SECRET") {
			t.Errorf("decision notice: %q", got.Plain())
		}
		page := appURL(t, got)
		if page == "" {
			t.Fatalf("the decision has no Open button: %+v", got.Buttons())
		}
		// The author reads the reason on the alert's page; a member outside it does not.
		if code, html := appPost(t, page, author.InitData(h.Clock.Now()), ""); code != http.StatusOK || !strings.Contains(html, c.reason) {
			t.Errorf("the author's Mini App page lacks the reason: %d %s", code, html)
		}
		if code, html := appPost(t, page, other.InitData(h.Clock.Now()), ""); code != http.StatusNotFound || strings.Contains(html, "SECRET") {
			t.Errorf("a member outside the alert opened it: %d", code)
		}
	}
	// The reason was typed on the alert's page: nothing the bot sent carries the content or
	// the reason.
	h.WaitIdle()
	for _, call := range h.TG.Calls("") {
		for k, v := range call.Params {
			if strings.Contains(v, "SECRET") || strings.Contains(v, "MSKU") {
				t.Errorf("%s sent %s: %q", call.Method, k, v)
			}
		}
	}
}

// In confidential mode /alerts and /find list an alert by what its header may carry (no
// substance); a file its author sent in the chat is listed on the alert's Mini App page and
// comes from Telegram through the server, to whoever may see the alert only.
func TestConfidentialListsAndChatFiles(t *testing.T) {
	const authorUID, analystUID, readerUID, outsiderUID = 8701, 8702, 8703, 8704
	h, ms := confidentialNet(t, map[int64][3]string{
		authorUID: {"Aliya", store.RoleFocalPoint, "KZ"}, analystUID: {"John", store.RoleAnalyst, ""},
		readerUID: {"Dilshod", store.RoleFocalPoint, "UZ"}, outsiderUID: {"Rustam", store.RoleFocalPoint, "TJ"}})
	ctx := context.Background()
	author, reader, outsider := h.Person(authorUID, "Aliya", "en"), h.Person(readerUID, "Dilshod", "en"), h.Person(outsiderUID, "Rustam", "en")

	// A document the author sent in the chat, kept by Telegram's file_id.
	upd := author.SendDocument("seal.pdf", "")
	var fileID string
	for _, e := range author.Transcript() {
		if e.UpdateID == upd {
			m, _ := author.Message(e.MessageID)
			fileID = m.FileID
		}
	}
	if fileID == "" {
		t.Fatal("the emulator has no file for the document sent")
	}
	al := submitted(t, h, ms[authorUID], ms[analystUID], "MSKU 123456-5", "hidden in the evaporator")
	al.Content.Attachments = []alert.Attachment{{Kind: "document", FileID: fileID, Name: "seal.pdf"}}
	if _, err := h.Store.DB.Exec(`UPDATE alerts SET content = jsonb_set(content, '{attachments}', $1::jsonb) WHERE id = $2`,
		`[{"kind": "document", "file_id": "`+fileID+`", "name": "seal.pdf"}]`, al.ID); err != nil {
		t.Fatal(err)
	}
	// Submitted with it: the analysts verify from the header and Open; the chat's file is not
	// sent to them through Telegram (it is on the Mini App page and the console).
	if err := h.Store.InTx(ctx, func(tx *sqlx.Tx) error { return submission.Queue(ctx, tx, al) }); err != nil {
		t.Fatal(err)
	}
	noneSent(t, h, fileID, "seal.pdf")
	if _, err := store.DecideAlert(ctx, h.Store.DB, al.ID, 1, store.AlertPublished, ms[analystUID].ID, "", "UZ", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.AddRecipients(ctx, h.Store.DB, al.ID, []int64{ms[readerUID].ID, ms[analystUID].ID}); err != nil {
		t.Fatal(err)
	}

	// The lists: reference, class, countries, state — no substance.
	reader.Say("/alerts")
	line := reader.WaitNew(al.Ref).Plain()
	if strings.Contains(line, "Heroin") || !strings.Contains(line, "KZ → UZ") {
		t.Errorf("/alerts line in confidential mode: %q", line)
	}
	// /find answers without repeating the value searched for: it is content too.
	reader.Say("/find MSKU1234565")
	if line := reader.WaitNew("Alerts matching your search").Plain(); strings.Contains(line, "Heroin") || strings.Contains(line, "1234565") ||
		!strings.Contains(line, al.Ref) {
		t.Errorf("/find line in confidential mode: %q", line)
	}
	reader.Say("/find TGHU 876543-0")
	if line := reader.WaitNew("matches your search").Plain(); strings.Contains(line, "876543") {
		t.Errorf("/find without a match in confidential mode: %q", line)
	}

	// The chat's file on the Mini App page, downloaded through the server.
	page := h.App().ConsoleURL() + "/app/alerts/" + al.Ref
	code, html := appPost(t, page, reader.InitData(h.Clock.Now()), "")
	if code != http.StatusOK || !strings.Contains(html, "/app/alerts/"+al.Ref+"/chatfiles/a0") {
		t.Fatalf("the Mini App page does not list the chat's file: %d %s", code, html)
	}
	if code, body := appPost(t, page+"/chatfiles/a0", reader.InitData(h.Clock.Now()), ""); code != http.StatusOK || !strings.Contains(body, fileID) {
		t.Errorf("the reader's download: %d %q", code, body)
	}
	if code, body := appPost(t, page+"/chatfiles/a0", outsider.InitData(h.Clock.Now()), ""); code != http.StatusNotFound || strings.Contains(body, fileID) {
		t.Errorf("an outsider's download: %d", code)
	}
	if code, _ := appPost(t, page+"/chatfiles/a1", reader.InitData(h.Clock.Now()), ""); code != http.StatusNotFound {
		t.Errorf("a missing file: %d", code)
	}
	noneSent(t, h, "Heroin", "evaporator", "1234565", "876543")
}

// The Mini App's form refuses an alert too long for one message in some language, as the
// chat's review does (alerttext.LengthProblems), and submits nothing.
func TestMiniAppFormTooLong(t *testing.T) {
	n := newNet(t)
	base := n.h.App().ConsoleURL()
	initData := telegramtest.SignInitData(n.h.TG.Token(), fpID, "Nurlan", "en", n.h.Clock.Now())
	en := func(id string) string { return n.h.App().I18n.T("en", id, nil) }
	_, form := appPost(t, base+"/app/new", initData, "")
	fields := url.Values{"classification": {en(alert.Classifications.ID(alert.ClassUrgent))},
		"conveyance": {en(alert.Conveyances.ID("container"))},
		"container":  {"TGHU 876543-" + string(rune('0'+alert.ContainerCheckDigit("TGHU876543")))},
		"loading":    {"KZALA"}, "destination": {"UZTAS"},
		"text": {strings.Repeat("<>", alert.MaxText/2)}} // within MaxText, but each sign is escaped in the message
	var before, after int
	if err := n.h.Store.DB.Get(&before, `SELECT count(*) FROM alerts`); err != nil {
		t.Fatal(err)
	}
	code, got := appForm(t, base+"/app/new/submit", initData, csrfOf(t, form), fields)
	if code != http.StatusOK || !strings.Contains(got, "too long for one message") || !strings.Contains(got, `id="field-text"`) {
		t.Fatalf("too long an alert: %d %s", code, got)
	}
	if err := n.h.Store.DB.Get(&after, `SELECT count(*) FROM alerts`); err != nil || after != before {
		t.Errorf("alerts: %d before, %d after, %v", before, after, err)
	}
}
