package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
)

// The page talks to the sandbox through a small JSON API:
//
//	GET  /api/personas                 the personas, with the language the bot speaks to each
//	GET  /api/poll?since=N             long poll: what changed in any chat after event N
//	GET  /api/chats/{id}?since=N       the same for one chat, without waiting
//	POST /api/chats/{id}/text          {"text": "…"}: the persona sends a message
//	POST /api/chats/{id}/press         {"message_id": 7, "data": "…"}: presses an inline button
//	POST /api/chats/{id}/file          multipart kind=photo|document, file, caption
//	POST /api/console                  a sign-in link of the analysts' console (console.go)
//
// POSTs must carry the header X-Sandbox: 1, which a page of another site cannot add without
// the browser asking first (and this server never agrees), so no other site can act here.
// Every request must name the sandbox's own address as its Host (and as its Origin, when it
// has one): a page elsewhere whose name was made to resolve to 127.0.0.1 (DNS rebinding)
// carries its own name there and is refused.

// longPoll is how long /api/poll waits for something to happen before answering "nothing".
const longPoll = 25 * time.Second

func (s *Sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	web, _ := fs.Sub(webFS, "web")
	mux.Handle("GET /", http.FileServerFS(web))
	mux.HandleFunc("GET /api/personas", s.apiPersonas)
	mux.HandleFunc("GET /api/poll", s.apiPoll)
	mux.HandleFunc("GET /api/chats/{id}", s.apiChat)
	mux.HandleFunc("POST /api/chats/{id}/text", s.apiText)
	mux.HandleFunc("POST /api/chats/{id}/press", s.apiPress)
	mux.HandleFunc("POST /api/chats/{id}/file", s.apiFile)
	mux.HandleFunc("POST /api/console", s.apiConsole)
	mux.HandleFunc("POST /api/chats/{id}/webapp", s.apiWebApp)
	return ownHostOnly(strings.TrimPrefix(s.URL, "http://"), noStore(mux))
}

// ownHostOnly refuses a request whose Host, or Origin when it has one, is not addr (the
// address the page is served on, host:port). On a loopback or unspecified address the
// loopback names with the same port count as its own too (localhost:8080 for 127.0.0.1:8080).
func ownHostOnly(addr string, h http.Handler) http.Handler {
	own := map[string]bool{addr: true}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
			for _, name := range []string{"localhost", "127.0.0.1", "[::1]"} {
				own[name+":"+port] = true
			}
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if !own[strings.ToLower(r.Host)] || (origin != "" && !own[strings.ToLower(strings.TrimPrefix(origin, "http://"))]) {
			writeError(w, http.StatusForbidden, "the sandbox answers only requests to and from its own address")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noStore keeps browsers from caching answers (and an old page after an upgrade).
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-src http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'")
		if r.Method == http.MethodPost && r.Header.Get("X-Sandbox") != "1" {
			writeError(w, http.StatusForbidden, "POST requests need the header X-Sandbox: 1")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// personaView is a persona as the page shows it.
type personaView struct {
	Persona
	Dir      string                 `json:"dir"`      // "rtl" for Pashto, Dari and Urdu
	Commands []telegramtest.Command `json:"commands"` // the command menu this persona's client shows
	Words    map[string]string      `json:"words"`    // the page's own words, in the persona's language
}

// pageWords are the page's own words (the composer, its buttons, the new-messages cue, an
// empty chat) in a language, by the names app.js uses.
func (s *Sandbox) pageWords(lang string) map[string]string {
	tr := s.App.I18n
	lang = tr.Match(lang)
	plain := func(id string, data map[string]any) string { return html.UnescapeString(tr.T(lang, id, data)) }
	return map[string]string{
		"placeholder":   plain("sandbox_placeholder", nil),
		"send":          plain("sandbox_send", nil),
		"commands":      plain("sandbox_commands", nil),
		"attach":        plain("sandbox_attach", nil),
		"hint":          plain("sandbox_composer_hint", map[string]any{"Enter": "Enter", "ShiftEnter": "Shift+Enter"}),
		"newMessages":   plain("sandbox_new_messages", nil),
		"emptyMember":   plain("sandbox_empty_member", nil),
		"emptyOutsider": plain("sandbox_empty_outsider", nil),
	}
}

// personaViews gives each persona the language the bot now speaks to them in: the one chosen
// in the bot (members.language) once there is one, else the Telegram client's.
func (s *Sandbox) personaViews(ctx context.Context) []personaView {
	out := make([]personaView, len(Personas))
	for i, p := range Personas {
		cmds := s.commandMenu(p)
		if p.Member {
			if m, err := store.MemberByTelegramID(ctx, s.Store.DB, p.UserID); err == nil && m.Language != "" {
				p.Lang = m.Language
			}
		}
		out[i] = personaView{Persona: p, Dir: direction(p.Lang), Commands: cmds, Words: s.pageWords(p.Lang)}
	}
	return out
}

// commandMenu is the command menu a Telegram client shows in the persona's private chat: the
// first list set, trying the narrowest scope first and, in each, the client's language before
// none (the order the Bot API documents for setMyCommands).
func (s *Sandbox) commandMenu(p Persona) []telegramtest.Command {
	lang, _, _ := strings.Cut(p.Lang, "-")
	for _, scope := range []string{"chat:" + strconv.FormatInt(p.UserID, 10), "all_private_chats", "default"} {
		for _, l := range []string{lang, ""} {
			if cmds := s.TG.Commands(scope, l); len(cmds) > 0 {
				return cmds
			}
		}
	}
	return []telegramtest.Command{}
}

func (s *Sandbox) apiPersonas(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.personaViews(r.Context()))
}

// messageView is one message of a chat in its current state.
type messageView struct {
	ID       int            `json:"id"`
	Seq      int64          `json:"seq"` // the event that last changed it
	FromBot  bool           `json:"from_bot"`
	Kind     string         `json:"kind"` // text, photo or document
	HTML     string         `json:"html"` // sanitised: see renderHTML
	FileName string         `json:"file_name,omitempty"`
	Buttons  [][]buttonView `json:"buttons,omitempty"`
	Edited   bool           `json:"edited,omitempty"` // its text changed (not just its buttons)
	Deleted  bool           `json:"deleted,omitempty"`
	Time     int64          `json:"time"` // unix milliseconds
}

type buttonView struct {
	Text   string `json:"text"`
	Data   string `json:"data,omitempty"`
	URL    string `json:"url,omitempty"`
	WebApp string `json:"web_app,omitempty"` // a Mini App's page, opened in the page's overlay
}

// toast is a pressed button's answer: a notification, an alert the person must dismiss, or
// (with no text) just the end of the button's spinner.
type toast struct {
	Seq   int64  `json:"seq"`
	Text  string `json:"text"`
	Alert bool   `json:"alert"`
}

type chatChanges struct {
	ChatID   int64         `json:"chat_id"`
	Messages []messageView `json:"messages"`
	Toasts   []toast       `json:"toasts,omitempty"`
}

type pollAnswer struct {
	Seq      int64         `json:"seq"` // pass as since next time
	Chats    []chatChanges `json:"chats"`
	Personas []personaView `json:"personas"`
}

// changes turns emulator events into the current state of the messages they touched, per
// chat, in order; only the personas' private chats are shown.
func (s *Sandbox) changes(events []telegramtest.Event, onlyChat int64) []chatChanges {
	byChat := map[int64]*chatChanges{}
	var order []int64
	lastSeq := map[[2]int64]int64{}
	for _, e := range events {
		if _, ok := personaByID(e.ChatID); !ok || (onlyChat != 0 && e.ChatID != onlyChat) {
			continue
		}
		cc := byChat[e.ChatID]
		if cc == nil {
			cc = &chatChanges{ChatID: e.ChatID, Messages: []messageView{}}
			byChat[e.ChatID] = cc
			order = append(order, e.ChatID)
		}
		switch e.Kind {
		case telegramtest.EventCallbackAnswer:
			// Even an answer without text matters: it stops the pressed button's spinner.
			cc.Toasts = append(cc.Toasts, toast{Seq: e.Seq, Text: e.Text, Alert: e.ShowAlert})
		case telegramtest.EventUserPress, telegramtest.EventBotAdded, telegramtest.EventBotRemoved, telegramtest.EventBotLeft:
		default:
			key := [2]int64{e.ChatID, int64(e.MessageID)}
			if _, seen := lastSeq[key]; !seen {
				cc.Messages = append(cc.Messages, messageView{ID: e.MessageID})
			}
			lastSeq[key] = e.Seq
		}
	}
	out := make([]chatChanges, 0, len(order))
	for _, id := range order {
		cc := byChat[id]
		for i := range cc.Messages {
			m, ok := s.TG.ChatMessage(id, cc.Messages[i].ID)
			if !ok {
				continue
			}
			cc.Messages[i] = s.view(m, lastSeq[[2]int64{id, int64(m.ID)}])
		}
		out = append(out, *cc)
	}
	return out
}

func (s *Sandbox) view(m telegramtest.Message, seq int64) messageView {
	v := messageView{ID: m.ID, Seq: seq, FromBot: m.FromBot, Kind: "text", HTML: renderHTML(m.Plain(), m.Entities()),
		Edited: m.TextEdits > 0, Deleted: m.Deleted, Time: m.Date.UnixMilli()}
	switch m.Kind {
	case "photo", "document":
		v.Kind = m.Kind
	case "copy", "forward":
		if m.FileID != "" {
			v.Kind = s.TG.FileKind(m.FileID)
		}
	}
	if v.Kind != "text" {
		v.FileName = m.FileName
	}
	for _, row := range m.Keyboard {
		var r []buttonView
		for _, b := range row {
			bv := buttonView{Text: b.Text, Data: b.CallbackData}
			if href, ok := safeLink(b.URL); ok && b.URL != "" {
				bv.URL = href
			}
			if href, ok := safeLink(b.WebAppURL); ok && b.WebAppURL != "" {
				bv.WebApp = href
			}
			r = append(r, bv)
		}
		v.Buttons = append(v.Buttons, r)
	}
	return v
}

func (s *Sandbox) apiPoll(w http.ResponseWriter, r *http.Request) {
	since, err := sinceParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), longPoll)
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	ans := pollAnswer{Seq: since, Chats: []chatChanges{}}
	events, err := s.TG.EventsSince(ctx, since)
	switch {
	case err == nil:
		ans.Seq = events[len(events)-1].Seq
		ans.Chats = s.changes(events, 0)
	case errors.Is(err, context.DeadlineExceeded):
		// nothing happened: the page asks again
	default:
		writeError(w, http.StatusServiceUnavailable, "the sandbox is stopping")
		return
	}
	ans.Personas = s.personaViews(r.Context())
	writeJSON(w, ans)
}

func (s *Sandbox) apiChat(w http.ResponseWriter, r *http.Request) {
	p, ok := s.persona(w, r)
	if !ok {
		return
	}
	since, err := sinceParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ans := chatChanges{ChatID: p.UserID, Messages: []messageView{}}
	if s.TG.Seq() > since {
		events, _ := s.TG.EventsSince(r.Context(), since)
		if cs := s.changes(events, p.UserID); len(cs) == 1 {
			ans = cs[0]
		}
	}
	writeJSON(w, ans)
}

func (s *Sandbox) apiText(w http.ResponseWriter, r *http.Request) {
	p, ok := s.persona(w, r)
	if !ok {
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	text := strings.TrimSpace(body.Text)
	switch {
	case text == "":
		writeError(w, http.StatusBadRequest, "empty message")
		return
	case utf8.RuneCountInString(text) > 4096:
		writeError(w, http.StatusBadRequest, "Telegram messages hold at most 4096 characters")
		return
	}
	id := s.users[p.UserID].SendText(text)
	writeJSON(w, map[string]any{"update_id": id})
}

func (s *Sandbox) apiPress(w http.ResponseWriter, r *http.Request) {
	p, ok := s.persona(w, r)
	if !ok {
		return
	}
	var body struct {
		MessageID int    `json:"message_id"`
		Data      string `json:"data"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	id, err := s.users[p.UserID].Press(body.MessageID, body.Data)
	if err != nil {
		writeError(w, http.StatusConflict, "this button is gone: "+err.Error())
		return
	}
	writeJSON(w, map[string]any{"update_id": id})
}

func (s *Sandbox) apiFile(w http.ResponseWriter, r *http.Request) {
	p, ok := s.persona(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 50<<20) // Telegram's upload limit for bots
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		writeError(w, http.StatusBadRequest, "a file of at most 50 MB is expected: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, "no file in the request")
		return
	}
	f.Close() // only its name matters: the emulator keeps no contents
	caption := strings.TrimSpace(r.FormValue("caption"))
	if utf8.RuneCountInString(caption) > 1024 {
		writeError(w, http.StatusBadRequest, "Telegram captions hold at most 1024 characters")
		return
	}
	u := s.users[p.UserID]
	var id int64
	switch r.FormValue("kind") {
	case "photo":
		id = u.SendPhoto(caption)
	case "document":
		id = u.SendDocument(hdr.Filename, caption)
	default:
		writeError(w, http.StatusBadRequest, "kind must be photo or document")
		return
	}
	writeJSON(w, map[string]any{"update_id": id})
}

func (s *Sandbox) persona(w http.ResponseWriter, r *http.Request) (Persona, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p, ok := personaByID(id)
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, "no such persona")
		return Persona{}, false
	}
	return p, true
}

func sinceParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("since")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("since must be an event number")
	}
	return n, nil
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "a JSON body is expected: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
