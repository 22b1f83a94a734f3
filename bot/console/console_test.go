package console_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/console"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

const wait = 10 * time.Second

const (
	analystID = 8101
	fpID      = 8201
	uzFPID    = 8202
)

// net is a bot serving the console, with an analyst, two focal points and one published alert.
type net struct {
	t       *testing.T
	h       *bottest.Harness
	members map[int64]store.Member
	users   map[int64]*telegramtest.User
	alert   *store.Alert
}

func newNet(t *testing.T) *net {
	t.Helper()
	h := bottest.Start(t, handlers.Register)
	h.Stop()
	h.Config.ConsoleAddr = "127.0.0.1:0"
	runWithConsole(t, h)
	n := &net{t: t, h: h, members: map[int64]store.Member{}, users: map[int64]*telegramtest.User{}}
	ctx := context.Background()
	add := func(id int64, name, role, country string) {
		m := store.Member{TelegramUserID: id, DisplayName: name, Role: role, Agency: "customs", Language: "en", State: store.StateActive}
		if country != "" {
			m.Country = &country
		}
		var err error
		if m.ID, err = store.InsertMember(ctx, h.Store.DB, m); err != nil {
			t.Fatal(err)
		}
		m.ChatID = id
		n.members[id] = m
		n.users[id] = h.TG.User(id, name, "en")
	}
	add(analystID, "Aliya", store.RoleAnalyst, "")
	add(fpID, "Nurlan", store.RoleFocalPoint, "KZ")
	add(uzFPID, "Dilshod", store.RoleFocalPoint, "UZ")
	n.alert = n.publish("heroin", `=HYPERLINK("http://x")`)
	return n
}

// runWithConsole runs the bot and waits until its console serves: the console starts a moment
// after Run returns, and its URL is known once it listens.
func runWithConsole(t *testing.T, h *bottest.Harness) {
	t.Helper()
	h.Run()
	for deadline := time.Now().Add(bottest.Wait); h.App().ConsoleURL() == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the console never served")
		}
	}
}

// publish stores an alert from the Kazakh focal point, published to the Uzbek one and the
// analyst; the Uzbek focal point acknowledges it.
func (n *net) publish(substance, quantity string) *store.Alert {
	n.t.Helper()
	ctx := context.Background()
	st := n.h.Store
	now := n.h.Clock.Now()
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container", Substance: substance, Quantity: quantity,
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: "MSKU 123456-5", Norm: "MSKU1234565"}}, Text: "Check it", Lang: "en"}
	ref, err := store.NextAlertRef(ctx, st.DB, now.Year())
	if err != nil {
		n.t.Fatal(err)
	}
	kz := "KZ"
	a := &store.Alert{Ref: ref, AuthorID: n.members[fpID].ID, AuthorCountry: &kz, Classification: c.Classification, Content: c, SubmittedAt: now}
	id, err := store.InsertAlert(ctx, st.DB, a)
	if err != nil {
		n.t.Fatal(err)
	}
	pub, err := store.DecideAlert(ctx, st.DB, id, 1, store.AlertPublished, n.members[analystID].ID, "", "UZ", now)
	if err != nil {
		n.t.Fatal(err)
	}
	if err := store.AddRecipients(ctx, st.DB, id, []int64{n.members[uzFPID].ID, n.members[analystID].ID}); err != nil {
		n.t.Fatal(err)
	}
	if _, err := store.Acknowledge(ctx, st.DB, id, n.members[uzFPID].ID, now.Add(7*time.Minute)); err != nil {
		n.t.Fatal(err)
	}
	// What the dispatcher would have left behind: delivered to the Uzbek focal point two
	// minutes after publication, failed for the analyst.
	for _, d := range []struct {
		who   int64
		state string
		at    *time.Time
	}{{uzFPID, "sent", ptr(now.Add(2 * time.Minute))}, {analystID, "failed", nil}} {
		if _, err := st.DB.Exec(`INSERT INTO outbox (member_id, chat_id, kind, ref_id, state, sent_at) VALUES ($1, $2, 'alert', $3, $4, $5)`,
			n.members[d.who].ID, d.who, id, d.state, d.at); err != nil {
			n.t.Fatal(err)
		}
	}
	return pub
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>\x{2068}\x{2069}]+/signin/[A-Za-z0-9_-]+`)

// link sends /console as the user and returns the link the bot answers with.
func (n *net) link(userID int64) string {
	n.t.Helper()
	u := n.users[userID]
	before := len(u.Messages())
	u.SendText("/console")
	msgs, err := u.WaitForCount(before+1, wait)
	if err != nil {
		n.t.Fatal(err)
	}
	text := msgs[len(msgs)-1].Text
	l := linkRE.FindString(text)
	if l == "" {
		n.t.Fatalf("no sign-in link in the answer to /console: %q", text)
	}
	return l
}

// client is a browser: cookies kept, redirects not followed.
type client struct {
	t    *testing.T
	http *http.Client
	base string
}

func newClient(t *testing.T, link string) *client {
	jar, _ := cookiejar.New(nil)
	base := link[:strings.Index(link, "/signin/")]
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// signIn opens the link and presses the button.
func (c *client) signIn(link string) (int, string) {
	c.t.Helper()
	token := link[strings.LastIndex(link, "/")+1:]
	code, page, _ := c.do("GET", "/signin/"+token, nil)
	if code != http.StatusOK || !strings.Contains(page, `name="token"`) {
		c.t.Fatalf("sign-in page: %d %s", code, page)
	}
	code, page, _ = c.do("POST", "/signin", url.Values{"token": {token}})
	return code, page
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) csrf() string {
	c.t.Helper()
	code, page, _ := c.do("GET", "/alerts", nil)
	m := csrfRE.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		c.t.Fatalf("no CSRF token on /alerts (%d)", code)
	}
	return m[1]
}

func TestSignInOnceAndPages(t *testing.T) {
	t.Parallel()
	n := newNet(t)
	link := n.link(analystID)
	c := newClient(t, link)
	if code, page := c.signIn(link); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", code, page)
	}

	// The register, filtered to one substance, lists the alert; another substance does not.
	_, page, _ := c.do("GET", "/alerts?substance=heroin", nil)
	if !strings.Contains(page, n.alert.Ref) {
		t.Errorf("register filtered to heroin does not list %s", n.alert.Ref)
	}
	_, page, _ = c.do("GET", "/alerts?substance=cocaine", nil)
	if strings.Contains(page, n.alert.Ref) {
		t.Errorf("register filtered to cocaine lists %s", n.alert.Ref)
	}
	_, page, _ = c.do("GET", "/alerts?ident=msku+123456-5", nil)
	if !strings.Contains(page, n.alert.Ref) {
		t.Errorf("register filtered by container does not list %s", n.alert.Ref)
	}

	// The alert's page: the rendering and the acknowledgement matrix.
	code, page, _ := c.do("GET", "/alerts/"+n.alert.Ref, nil)
	if code != http.StatusOK || !strings.Contains(page, `id="ack-matrix"`) || !strings.Contains(page, "Dilshod") ||
		!strings.Contains(page, "1 of 2 acknowledged") || !strings.Contains(page, "MSKU 123456-5") ||
		!strings.Contains(page, "2026-03-02 14:02") || !strings.Contains(page, "2026-03-02 14:07") || !strings.Contains(page, ">failed<") {
		t.Errorf("alert page (%d) lacks the matrix or the rendering:\n%s", code, page)
	}
	n.fill()
	for path, want := range map[string]string{"/requests/RFI-2026-000001": "A trading company in Almaty.",
		"/broadcasts": "Uzbekistan", "/broadcasts/1": "Пункт пропуска Термез", "/requests?format=csv": "RFI-2026-000003",
		"/broadcasts?format=csv": "UZ", "/map?format=csv": "UZTER", "/stats": "Heroin", "/map": "Termez"} {
		if code, page, _ := c.do("GET", path, nil); code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("%s: %d, without %q", path, code, want)
		}
	}
	for _, path := range []string{"/stats", "/map", "/requests", "/broadcasts", "/map?all=1&country=KZ"} {
		if code, page, _ := c.do("GET", path, nil); code != http.StatusOK || !strings.Contains(page, "<svg") && (path == "/stats" || path == "/map") {
			t.Errorf("%s: %d", path, code)
		}
	}
	if code, _, _ := c.do("GET", "/alerts/ALR-1999-000001", nil); code != http.StatusNotFound {
		t.Errorf("unknown alert: %d, want 404", code)
	}

	// An attachment comes from Telegram through the server: getFile, then the file.
	u := n.users[fpID]
	upd := u.SendDocument("seal.pdf", "")
	var fileID string
	for _, e := range u.Transcript() {
		if e.UpdateID == upd {
			m, _ := u.Message(e.MessageID)
			fileID = m.FileID
		}
	}
	if fileID == "" {
		t.Fatal("the emulator has no file for the document sent")
	}
	att := `[{"kind": "document", "file_id": "` + fileID + `", "name": "seal.pdf"}]`
	if _, err := n.h.Store.DB.Exec(`UPDATE alerts SET content = jsonb_set(content, '{attachments}', $1::jsonb) WHERE id = $2`, att, n.alert.ID); err != nil {
		t.Fatal(err)
	}
	_, page, _ = c.do("GET", "/alerts/"+n.alert.Ref, nil)
	if !strings.Contains(page, `/alerts/`+n.alert.Ref+`/files/a0`) {
		t.Error("the alert page does not link its attachment")
	}
	code, body, hdr := c.do("GET", "/alerts/"+n.alert.Ref+"/files/a0", nil)
	if code != http.StatusOK || !strings.Contains(body, fileID) || !strings.Contains(hdr.Get("Content-Disposition"), "seal.pdf") ||
		hdr.Get("Content-Type") != "application/pdf" {
		t.Errorf("attachment download: %d %q %v", code, body, hdr)
	}
	if code, _, _ := c.do("GET", "/alerts/"+n.alert.Ref+"/files/a1", nil); code != http.StatusNotFound {
		t.Errorf("a missing attachment: %d, want 404", code)
	}

	// The CSV export escapes a formula and is audited.
	code, body, hdr = c.do("GET", "/alerts?substance=heroin&format=csv", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", code, hdr.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("csv: %v, %d records, want a header and 3 heroin alerts", err, len(recs))
	}
	var quantity string
	for _, r := range recs {
		if r[0] == n.alert.Ref {
			quantity = r[12]
		}
	}
	if quantity != `'=HYPERLINK("http://x")` {
		t.Errorf("quantity cell %q is not escaped", quantity)
	}
	for _, chart := range []string{"substance", "country", "conveyance", "ack", "rfi"} {
		if code, _, _ := c.do("GET", "/stats/"+chart, nil); code != http.StatusOK {
			t.Errorf("stats csv %s: %d", chart, code)
		}
	}
	var audits int
	if err := n.h.Store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action IN ('console_signin', 'console_export') AND actor_id = $1`, n.members[analystID].ID); err != nil || audits < 2 {
		t.Errorf("audit: %d sign-in and export rows (%v)", audits, err)
	}

	// What the bot recorded of its answer keeps a marker, not the token.
	token := link[strings.LastIndex(link, "/")+1:]
	var leaked int
	if err := n.h.Store.DB.Get(&leaked, `SELECT count(*) FROM outbound_messages WHERE text LIKE '%' || $1 || '%'`, token); err != nil || leaked != 0 {
		t.Errorf("the token is in outbound_messages %d times (%v)", leaked, err)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	n := newNet(t)

	t.Run("used link", func(t *testing.T) {
		link := n.link(analystID)
		if code, _ := newClient(t, link).signIn(link); code != http.StatusSeeOther {
			t.Fatalf("first use: %d", code)
		}
		if code, page := newClient(t, link).signIn(link); code != http.StatusForbidden || !strings.Contains(page, "used already") {
			t.Errorf("second use: %d %s", code, page)
		}
	})
	t.Run("expired link", func(t *testing.T) {
		link := n.link(analystID)
		n.h.Clock.Advance(console.LinkTTL + time.Second)
		if code, page := newClient(t, link).signIn(link); code != http.StatusForbidden || !strings.Contains(page, "used already") {
			t.Errorf("expired link: %d %s", code, page)
		}
	})
	t.Run("focal point", func(t *testing.T) {
		u := n.users[fpID]
		u.SendText("/console")
		msg, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool { return len(ms) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		if linkRE.MatchString(msg[len(msg)-1].Text) {
			t.Fatalf("a focal point got a link: %q", msg[len(msg)-1].Text)
		}
		// A link made for a focal point anyway (by hand) does not sign them in.
		token, err := console.NewLink(context.Background(), n.h.Store.DB, n.members[fpID].ID, n.h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		link := n.h.App().ConsoleURL() + "/signin/" + token
		if code, page := newClient(t, link).signIn(link); code != http.StatusForbidden || !strings.Contains(page, "analysts and administrators") {
			t.Errorf("focal point's link: %d %s", code, page)
		}
	})
	t.Run("no CSRF token", func(t *testing.T) {
		link := n.link(analystID)
		c := newClient(t, link)
		c.signIn(link)
		csrf := c.csrf()
		if code, _, _ := c.do("POST", "/signout", url.Values{}); code != http.StatusForbidden {
			t.Errorf("sign-out without CSRF token: %d, want 403", code)
		}
		if code, _, _ := c.do("POST", "/signout", url.Values{"csrf": {"x" + csrf}}); code != http.StatusForbidden {
			t.Errorf("sign-out with a wrong CSRF token: %d, want 403", code)
		}
		if code, _, _ := c.do("GET", "/alerts", nil); code != http.StatusOK {
			t.Errorf("session ended by a refused sign-out: %d", code)
		}
		// The right token from another site's page is refused too.
		req, _ := http.NewRequest("POST", c.base+"/signout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://elsewhere.example")
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out from another origin: %d, want 403", resp.StatusCode)
		}
		if code, _, _ := c.do("POST", "/signout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
			t.Errorf("sign-out: %d", code)
		}
		if code, _, _ := c.do("GET", "/alerts", nil); code != http.StatusUnauthorized {
			t.Errorf("after sign-out: %d, want 401", code)
		}
	})
	t.Run("suspended analyst", func(t *testing.T) {
		link := n.link(analystID)
		c := newClient(t, link)
		c.signIn(link)
		id := n.members[analystID].ID
		if _, err := store.ChangeState(context.Background(), n.h.Store.DB, id, []string{store.StateActive}, store.StateSuspended, nil, n.h.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if code, page, _ := c.do("GET", "/alerts", nil); code != http.StatusForbidden || strings.Contains(page, n.alert.Ref) {
			t.Errorf("suspended analyst's session: %d", code)
		}
		// Reactivated, the session stays ended.
		if _, err := store.ChangeState(context.Background(), n.h.Store.DB, id, []string{store.StateSuspended}, store.StateActive, nil, n.h.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if code, _, _ := c.do("GET", "/alerts", nil); code != http.StatusUnauthorized {
			t.Errorf("session after reactivation: %d, want 401", code)
		}
	})
	t.Run("idle session", func(t *testing.T) {
		link := n.link(analystID)
		c := newClient(t, link)
		c.signIn(link)
		n.h.Clock.Advance(console.IdleTimeout + time.Minute)
		if code, _, _ := c.do("GET", "/alerts", nil); code != http.StatusUnauthorized {
			t.Errorf("after 12 hours idle: %d, want 401", code)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Spent links and ended sessions are deleted a day later by the hourly job; live ones stay.
func TestPurge(t *testing.T) {
	t.Parallel()
	n := newNet(t)
	old := n.link(analystID)
	c := newClient(t, old)
	c.signIn(old)
	c.do("POST", "/signout", url.Values{"csrf": {c.csrf()}})
	n.h.Clock.Advance(25 * time.Hour)
	fresh := n.link(analystID)
	live := newClient(t, fresh)
	live.signIn(fresh)
	n.h.RunJobs()
	var links, sessions int
	if err := n.h.Store.DB.Get(&links, `SELECT count(*) FROM console_links`); err != nil {
		t.Fatal(err)
	}
	if err := n.h.Store.DB.Get(&sessions, `SELECT count(*) FROM console_sessions`); err != nil {
		t.Fatal(err)
	}
	if links != 1 || sessions != 1 {
		t.Errorf("after the purge: %d links and %d sessions, want the fresh one of each", links, sessions)
	}
	if code, _, _ := live.do("GET", "/alerts", nil); code != http.StatusOK {
		t.Errorf("the live session after the purge: %d", code)
	}
}
