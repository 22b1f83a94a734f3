package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"focalbot/bot/bottest"
	"focalbot/bot/sandbox"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/handlers"
)

// apiCall sends one request to the page's API and decodes the answer; it returns the status.
func apiCall(t *testing.T, method, url string, body io.Reader, contentType string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == http.MethodPost {
		req.Header.Set("X-Sandbox", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

type pollAnswer struct {
	Seq   int64 `json:"seq"`
	Chats []struct {
		ChatID   int64 `json:"chat_id"`
		Messages []struct {
			ID      int    `json:"id"`
			FromBot bool   `json:"from_bot"`
			Kind    string `json:"kind"`
			HTML    string `json:"html"`
			File    string `json:"file_name"`
		} `json:"messages"`
	} `json:"chats"`
	Personas []struct {
		ID       int64  `json:"id"`
		Lang     string `json:"lang"`
		Dir      string `json:"dir"`
		Commands []struct {
			Command string `json:"command"`
		} `json:"commands"`
	} `json:"personas"`
}

// The JSON API between page and emulator: personas, sending, the long poll, a chat's
// transcript, files, and what it refuses.
func TestAPI(t *testing.T) {
	sb := startSandbox(t)
	u := sb.URL

	var personas []struct {
		ID       int64  `json:"id"`
		Lang     string `json:"lang"`
		Dir      string `json:"dir"`
		Member   bool   `json:"member"`
		Commands []struct {
			Command string `json:"command"`
		} `json:"commands"`
	}
	apiCall(t, "GET", u+"/api/personas", nil, "", &personas)
	if len(personas) != len(sandbox.Personas) {
		t.Fatalf("%d personas, want %d", len(personas), len(sandbox.Personas))
	}
	langs := map[int64]string{}
	for _, p := range personas {
		langs[p.ID] = p.Lang
		// Each demo member has their role's menu from the start, before they send anything.
		var cmds []string
		for _, c := range p.Commands {
			cmds = append(cmds, c.Command)
		}
		if want := map[int64]string{7100001: "broadcast", 7100002: "members", kazakh: "poststatus"}[p.ID]; want != "" && !slices.Contains(cmds, want) {
			t.Errorf("persona %d's menu %v lacks /%s", p.ID, cmds, want)
		}
		if p.ID == pakistan && p.Dir != "rtl" {
			t.Errorf("Pakistan persona dir %q, want rtl", p.Dir)
		}
	}
	for id, want := range map[int64]string{kazakh: "kk", uzbek: "uz", pakistan: "ur", 7100006: "tg", 7100007: "ka", 7100008: "uk"} {
		if langs[id] != want {
			t.Errorf("persona %d speaks %q, want %q", id, langs[id], want)
		}
	}

	if code := apiCall(t, "POST", u+"/api/chats/"+itoa(kazakh)+"/text", strings.NewReader(`{"text":"/help"}`), "application/json", nil); code != 200 {
		t.Fatalf("send text: HTTP %d", code)
	}
	// The long poll returns the message sent and, once handled, the bot's answer.
	var since int64
	var answered bool
	for !answered {
		var a pollAnswer
		apiCall(t, "GET", u+"/api/poll?since="+itoa(since), nil, "", &a)
		since = a.Seq
		for _, c := range a.Chats {
			if c.ChatID != kazakh {
				t.Errorf("poll shows chat %d, where nothing happened", c.ChatID)
			}
			for _, m := range c.Messages {
				answered = answered || (m.FromBot && strings.Contains(m.HTML, "/cancel"))
			}
		}
		if len(a.Personas) == 0 || len(a.Personas[0].Commands) == 0 {
			t.Fatal("poll answer lacks personas with their command menu")
		}
	}
	// A chat's transcript from the start holds both messages.
	var chat struct {
		Messages []struct {
			FromBot bool `json:"from_bot"`
		} `json:"messages"`
	}
	apiCall(t, "GET", u+"/api/chats/"+itoa(kazakh)+"?since=0", nil, "", &chat)
	if len(chat.Messages) != 2 || chat.Messages[0].FromBot || !chat.Messages[1].FromBot {
		t.Errorf("Kazakh chat transcript: %+v, want the user's message then the bot's", chat.Messages)
	}

	// A document goes out under its own name.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", "document")
	_ = mw.WriteField("caption", "manifest of MSCU1234565")
	fw, _ := mw.CreateFormFile("file", "manifest.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 demo"))
	mw.Close()
	if code := apiCall(t, "POST", u+"/api/chats/"+itoa(uzbek)+"/file", &buf, mw.FormDataContentType(), nil); code != 200 {
		t.Fatalf("send file: HTTP %d", code)
	}
	var files []string
	apiCallChat(t, u, uzbek, since, func(kind, file, html string) {
		if kind == "document" {
			files = append(files, file+"|"+html)
		}
	})
	if len(files) != 1 || files[0] != "manifest.pdf|manifest of MSCU1234565" {
		t.Errorf("document shown as %q", files)
	}

	// Refusals.
	refusals := []struct {
		name, method, path, body string
		noHeader                 bool
		want                     int
		host, origin             string
	}{
		{"POST from another site (no X-Sandbox header)", "POST", "/api/chats/" + itoa(kazakh) + "/text", `{"text":"/start"}`, true, http.StatusForbidden, "", ""},
		{"another host name (DNS rebinding)", "GET", "/api/personas", "", false, http.StatusForbidden, "rebind.example:80", ""},
		{"POST from another origin", "POST", "/api/chats/" + itoa(kazakh) + "/text", `{"text":"/start"}`, false, http.StatusForbidden, "", "http://rebind.example"},
		{"own origin", "GET", "/api/personas", "", false, http.StatusOK, "", u},
		{"unknown persona", "POST", "/api/chats/42/text", `{"text":"/start"}`, false, http.StatusNotFound, "", ""},
		{"empty text", "POST", "/api/chats/" + itoa(kazakh) + "/text", `{"text":"  "}`, false, http.StatusBadRequest, "", ""},
		{"text over Telegram's limit", "POST", "/api/chats/" + itoa(kazakh) + "/text", `{"text":"` + strings.Repeat("a", 4097) + `"}`, false, http.StatusBadRequest, "", ""},
		{"pressing a button that is not there", "POST", "/api/chats/" + itoa(kazakh) + "/press", `{"message_id":2,"data":"forged:1"}`, false, http.StatusConflict, "", ""},
		{"bad since", "GET", "/api/poll?since=x", "", false, http.StatusBadRequest, "", ""},
	}
	for _, r := range refusals {
		req, _ := http.NewRequest(r.method, u+r.path, strings.NewReader(r.body))
		if !r.noHeader && r.method == "POST" {
			req.Header.Set("X-Sandbox", "1")
		}
		if r.host != "" {
			req.Host = r.host
		}
		if r.origin != "" {
			req.Header.Set("Origin", r.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != r.want {
			t.Errorf("%s: HTTP %d, want %d", r.name, resp.StatusCode, r.want)
		}
	}
	// The page itself, with its script and style, is served from the binary.
	for _, path := range []string{"/", "/app.js", "/app.css"} {
		resp, err := http.Get(u + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
		}
	}
}

func apiCallChat(t *testing.T, u string, chat, since int64, each func(kind, file, html string)) {
	t.Helper()
	var c struct {
		Messages []struct {
			Kind string `json:"kind"`
			File string `json:"file_name"`
			HTML string `json:"html"`
		} `json:"messages"`
	}
	apiCall(t, "GET", u+"/api/chats/"+itoa(chat)+"?since="+itoa(since), nil, "", &c)
	for _, m := range c.Messages {
		each(m.Kind, m.File, m.HTML)
	}
}

// A restart keeps the data and seeds nothing twice; the fresh emulator's update ids follow the
// stored ones, so the bot does not drop new messages as seen before. --reset starts over.
func TestRestartAndReset(t *testing.T) {
	_, dbURL := storetest.New(t)
	opts := sandbox.Options{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Register: handlers.Register, Log: bottest.Logger()}
	ctx := context.Background()

	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sb.Seeded != 8 {
		t.Errorf("first start seeded %d members, want 8", sb.Seeded)
	}
	user := sb.TG.User(kazakh, "", "")
	user.SendText("/start")
	if _, err := user.WaitForText("Nurlan Abenov", wait); err != nil {
		t.Fatal(err)
	}
	// The board starts with demo statuses: Karachi's, posted by Pakistan's focal point.
	pk := sb.TG.User(pakistan, "", "")
	pk.SendText("/status")
	if _, err := pk.WaitForText("(PKKHI)", wait); err != nil {
		t.Errorf("Pakistan's board shows no demo status of Karachi: %v", err)
	}
	countStatuses := func() int {
		t.Helper()
		var n int
		if err := sb.Store.DB.GetContext(ctx, &n, `SELECT count(*) FROM place_statuses`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	demo := countStatuses()
	if demo == 0 {
		t.Error("no demo statuses seeded")
	}
	sb.Stop()

	sb, err = sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sb.Seeded != 0 {
		t.Errorf("second start seeded %d members again", sb.Seeded)
	}
	if n := countStatuses(); n != demo {
		t.Errorf("after a restart there are %d statuses, want the %d demo ones, not posted twice", n, demo)
	}
	user = sb.TG.User(kazakh, "", "")
	user.SendText("/help")
	if _, err := user.WaitForText("/cancel", wait); err != nil {
		t.Fatalf("after a restart the bot does not answer: %v", err)
	}
	sb.Stop()

	opts.Reset = true
	sb, err = sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	if sb.Seeded != 8 {
		t.Errorf("after --reset %d members seeded, want 8", sb.Seeded)
	}
	last, err := sb.Store.LastUpdateID(ctx)
	if err != nil || last != 0 {
		t.Errorf("after --reset the last update id is %d (%v), want 0: the data is gone", last, err)
	}
}

// The sandbox never mixes demo people into a database that holds a real network, nor empties
// one.
func TestRefusesRealNetwork(t *testing.T) {
	st, dbURL := storetest.New(t)
	ctx := context.Background()
	if _, err := store.InsertMember(ctx, st.DB, store.Member{TelegramUserID: 123456, Role: store.RoleFocalPoint, State: store.StateActive, Agency: "customs"}); err != nil {
		t.Fatal(err)
	}
	for _, reset := range []bool{false, true} {
		_, err := sandbox.Start(ctx, sandbox.Options{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Reset: reset,
			Register: handlers.Register, Log: bottest.Logger()})
		if !errors.Is(err, sandbox.ErrRealMembers) {
			t.Errorf("reset=%v: Start on a real network: %v, want ErrRealMembers", reset, err)
		}
	}
	if _, err := store.MemberByTelegramID(ctx, st.DB, 123456); err != nil {
		t.Errorf("the real member is gone: %v", err)
	}
}

// Without DATABASE_URL the sandbox runs its own PostgreSQL under the var folder, keeps it
// between starts, and --reset recreates its database.
func TestLocalCluster(t *testing.T) {
	dir := t.TempDir()
	// As root the cluster runs as the postgres user, which must reach the folder.
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	opts := sandbox.Options{Addr: "127.0.0.1:0", VarDir: filepath.Join(dir, "var"), Register: handlers.Register, Log: bottest.Logger()}
	ctx := context.Background()
	for i, want := range []struct {
		reset  bool
		seeded int
	}{{false, 8}, {false, 0}, {true, 8}} {
		opts.Reset = want.reset
		sb, err := sandbox.Start(ctx, opts)
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		if sb.Cluster == nil || !strings.HasPrefix(sb.Cluster.Dir, dir) {
			t.Errorf("start %d: not on a local cluster under %s", i+1, dir)
		}
		seeded := sb.Seeded
		sb.Stop()
		if seeded != want.seeded {
			t.Errorf("start %d (reset=%v): seeded %d, want %d", i+1, want.reset, seeded, want.seeded)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
