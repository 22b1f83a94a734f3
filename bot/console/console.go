// Package console is the analysts' web console: the register of alerts, requests and
// broadcasts, the picture of the network in charts, and the status board on a map, served by
// the bot itself for CARICC's analysts and admins.
//
// It is rendered on the server (html/template; charts and the map as inline SVG), its assets
// are embedded in the binary and nothing is loaded from elsewhere; a few lines of JavaScript
// only add conveniences (print, submit a filter on change). It reads the database and never
// changes the network's data: its only writes are its own sign-in links and sessions and the
// audit log.
//
// Sign-in has no password: /console in the bot gives an analyst a link good once, for ten
// minutes (see NewLink). Opening it and pressing the button starts a session whose cookie is
// HttpOnly and SameSite=Strict (and Secure, under the __Host- prefix, when the console's public
// URL is https). Each request finds the session by the SHA-256 of the cookie and re-reads the
// member: a suspended member, or one no longer analyst or admin, is signed out at once. Every
// POST carries the session's CSRF token.
package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/jmoiron/sqlx"

	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// LinkTTL is how long a sign-in link may be opened; IdleTimeout ends a session without requests.
const (
	LinkTTL     = 10 * time.Minute
	IdleTimeout = 12 * time.Hour
)

//go:embed templates static
var assets embed.FS

// Options are what the console needs of the App.
type Options struct {
	Store  *store.Store
	I18n   *i18n.Bundle
	TG     *tg.Bot          // downloads of attachments: getFile, then the file URL
	Now    func() time.Time // the App's clock
	Log    *slog.Logger
	Secure bool // served to browsers over https (CONSOLE_PUBLIC_URL): Secure cookie
	// PublicURL is the console's address as browsers reach it (CONSOLE_PUBLIC_URL); a POST
	// whose Origin is another is refused. Empty: the Origin must name the request's Host.
	PublicURL string
	// BotToken signs the initData of the Mini App (CONFIDENTIAL_CONTENT): its requests are
	// checked with a key derived from it.
	BotToken string
	// AppFrameAncestors are origins besides Telegram's web client that may frame the Mini App:
	// the sandbox's page.
	AppFrameAncestors string
	// RequestFits is the chat's length check of a request's text (App.RequestFits).
	RequestFits func(from *store.Member, writtenLang, text string) (int, bool)
	// BroadcastTextsSaved redraws the chat panel of the broadcast whose texts were saved on
	// the Mini App's page (App.BroadcastTextsSaved); its failure does not fail the save.
	BroadcastTextsSaved func(ctx context.Context, memberID, broadcastID int64) error
	// HTTPClient downloads files from the Bot API; http.DefaultClient when nil.
	HTTPClient *http.Client
}

// Server is the console's HTTP handler.
type Server struct {
	o     Options
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// New builds the console.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	s := &Server{o: o, pages: map[string]*template.Template{}}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(assets, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /signin/{token}", s.signinPage)
	mux.HandleFunc("POST /signin", s.signin)
	mux.HandleFunc("GET /signed-out", s.signedOut)
	mux.Handle("POST /signout", s.auth(s.signout))
	mux.Handle("GET /{$}", s.auth(func(w http.ResponseWriter, r *http.Request, v *viewer) {
		http.Redirect(w, r, "/alerts", http.StatusSeeOther)
	}))
	mux.Handle("GET /alerts", s.auth(s.alerts))
	mux.Handle("GET /alerts/{ref}", s.auth(s.alertPage))
	mux.Handle("GET /alerts/{ref}/files/{n}", s.auth(s.alertFile))
	mux.Handle("GET /requests", s.auth(s.requests))
	mux.Handle("GET /requests/{ref}", s.auth(s.requestPage))
	mux.Handle("GET /requests/{ref}/files/{id}", s.auth(s.requestFile))
	mux.Handle("GET /broadcasts", s.auth(s.broadcasts))
	mux.Handle("GET /broadcasts/{id}", s.auth(s.broadcastPage))
	mux.Handle("GET /stats", s.auth(s.stats))
	mux.Handle("GET /stats/{chart}", s.auth(s.statsCSV))
	mux.Handle("GET /map", s.auth(s.mapPage))
	mux.HandleFunc("GET /app/alerts/{ref}", s.appShell)
	mux.Handle("POST /app/alerts/{ref}", s.app(false, s.appView))
	mux.Handle("POST /app/alerts/{ref}/ack", s.app(true, s.appAck))
	mux.Handle("POST /app/alerts/{ref}/decide", s.app(true, s.appDecide))
	mux.Handle("POST /app/alerts/{ref}/amend", s.app(true, s.appAmend))
	mux.Handle("POST /app/alerts/{ref}/followup", s.uploads(appFollowupBody, s.app(true, s.appFollowup)))
	mux.HandleFunc("GET /app/requests/new", s.appShell)
	mux.Handle("POST /app/requests/new", s.app(false, s.appRequestNew))
	mux.Handle("POST /app/requests/new/submit", s.uploads(appUploadBody, s.app(true, s.appRequestSubmit)))
	mux.HandleFunc("GET /app/requests/{ref}", s.appShell)
	mux.Handle("POST /app/requests/{ref}", s.app(false, s.appRequestView))
	mux.Handle("POST /app/requests/{ref}/reply", s.uploads(appUploadBody, s.app(true, s.appRequestWrite("reply"))))
	mux.Handle("POST /app/requests/{ref}/decline", s.app(true, s.appRequestWrite("decline")))
	mux.Handle("POST /app/requests/{ref}/close", s.app(true, s.appRequestClose))
	mux.Handle("POST /app/requests/{ref}/files/{id}", s.app(false, s.appRequestFile))
	mux.HandleFunc("GET /app/broadcasts/{id}", s.appShell)
	mux.Handle("POST /app/broadcasts/{id}", s.app(false, s.appBroadcastView))
	mux.Handle("POST /app/broadcasts/{id}/ack", s.app(true, s.appBroadcastAck))
	mux.Handle("POST /app/broadcasts/{id}/file", s.app(false, s.appBroadcastFile))
	mux.HandleFunc("GET /app/broadcasts/{id}/edit", s.appShell)
	mux.Handle("POST /app/broadcasts/{id}/edit", s.app(false, s.appBroadcastEdit))
	mux.Handle("POST /app/broadcasts/{id}/edit/save", s.app(true, s.appBroadcastSave))
	mux.HandleFunc("GET /app/alerts/{ref}/revise", s.appShell)
	mux.Handle("POST /app/alerts/{ref}/revise", s.app(false, s.appRevise))
	mux.Handle("POST /app/alerts/{ref}/revise/submit", s.app(true, s.appReviseSubmit))
	mux.Handle("POST /app/alerts/{ref}/revise/draft", s.app(true, s.appReviseDraft))
	mux.Handle("POST /app/alerts/{ref}/revise/file", s.uploads(appFileBody, s.app(true, s.appReviseFile)))
	mux.HandleFunc("GET /app/new", s.appShell)
	mux.Handle("POST /app/new", s.app(false, s.appNew))
	mux.Handle("POST /app/new/draft", s.app(true, s.appDraft))
	mux.Handle("POST /app/new/submit", s.app(true, s.appSubmit))
	mux.Handle("POST /app/new/file", s.uploads(appFileBody, s.app(true, s.appFile)))
	mux.Handle("POST /app/new/file/{id}/remove", s.app(true, s.appFileRemove))
	mux.Handle("POST /app/alerts/{ref}/files/{id}", s.app(false, s.appAlertFile))
	mux.Handle("POST /app/alerts/{ref}/chatfiles/{n}", s.app(false, s.appChatFile))
	s.mux = mux
	return s, nil
}

// ServeHTTP serves the console with headers that keep it to itself: no caching, no framing,
// scripts and styles from this server only.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // no-referrer would make Origin "null" on our own forms
	frames := "'none'"
	if strings.HasPrefix(r.URL.Path, "/app/") {
		// Telegram's web clients open Mini Apps in a frame; so does the sandbox's overlay.
		frames = "https://web.telegram.org " + s.o.AppFrameAncestors
	}
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+strings.TrimSpace(frames))
	s.mux.ServeHTTP(w, r)
}

// NewLink makes a sign-in link's token for a member and stores its hash: 128 random bits,
// URL-safe. The caller sends base+"/signin/"+token.
func NewLink(ctx context.Context, q store.Querier, memberID int64, now time.Time) (string, error) {
	token := randomToken()
	if err := store.CreateConsoleLink(ctx, q, memberID, hash(token), now, now.Add(LinkTTL)); err != nil {
		return "", err
	}
	return token, nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// viewer is the signed-in member of a request.
type viewer struct {
	member  *store.Member
	session *store.ConsoleSession
	lang    string
}

// cookieName is the session cookie; with Secure, the __Host- prefix makes browsers refuse it
// unless it is Secure, for this host only, and for the whole path.
func (s *Server) cookieName() string {
	if s.o.Secure {
		return "__Host-focalbot_console"
	}
	return "focalbot_console"
}

func (s *Server) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.o.Secure, SameSite: http.SameSiteStrictMode})
}

// allowed reports whether a member may use the console: an active analyst or admin.
func allowed(m *store.Member) bool {
	return m.Active() && (m.Role == store.RoleAnalyst || m.Role == store.RoleAdmin)
}

// auth wraps a page: it finds the session, re-reads its member and, for POST, checks the
// CSRF token. Anyone else gets the refusal page.
func (s *Server) auth(h func(http.ResponseWriter, *http.Request, *viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, err := r.Cookie(s.cookieName())
		if err != nil || c.Value == "" {
			s.refuse(w, r, http.StatusUnauthorized, "console_session_ended")
			return
		}
		sess, err := store.TouchConsoleSession(ctx, s.o.Store.DB, hash(c.Value), s.o.Now(), IdleTimeout)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.fail(w, r, err)
				return
			}
			s.setCookie(w, "", -1)
			s.refuse(w, r, http.StatusUnauthorized, "console_session_ended")
			return
		}
		m, err := store.MemberByID(ctx, s.o.Store.DB, sess.MemberID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !allowed(m) {
			if err := store.EndConsoleSession(ctx, s.o.Store.DB, sess.ID, s.o.Now()); err != nil {
				s.o.Log.Warn("console session not ended", "session_id", sess.ID, "err", err)
			}
			s.setCookie(w, "", -1)
			s.refuse(w, r, http.StatusForbidden, "console_not_allowed")
			return
		}
		v := &viewer{member: m, session: sess, lang: s.langOf(m)}
		if r.Method == http.MethodPost {
			boundedForm(w, r)
			got := r.PostFormValue("csrf")
			if !s.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				s.refuse(w, r, http.StatusForbidden, "console_csrf_refused")
				return
			}
		}
		h(w, r, v)
	})
}

func (s *Server) langOf(m *store.Member) string {
	if s.o.I18n.Has(m.Language) {
		return m.Language
	}
	return i18n.Default
}

// browserLang is the language of a page shown before sign-in: the browser's first choice we have.
func (s *Server) browserLang(r *http.Request) string {
	al := r.Header.Get("Accept-Language")
	first, _, _ := strings.Cut(al, ",")
	first, _, _ = strings.Cut(first, ";")
	return s.o.I18n.Match(strings.TrimSpace(first))
}

// signinPage shows the button that uses the link. Opening the link does not use it: a
// program that fetches links to preview them would otherwise spend it. With auto=1 (the
// sandbox's Console tab) the page's script presses the button itself.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", s.browserLang(r), nil, map[string]any{"Token": r.PathValue("token"),
		"Auto": r.URL.Query().Get("auto") == "1"})
}

// sameOrigin reports whether a POST comes from the console's own pages: its Origin header,
// when the browser sends one, names the console. (The CSRF token is the defence of signed-in
// forms; this also keeps other sites from posting a sign-in of their choosing.)
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if s.o.PublicURL != "" {
		p, err := url.Parse(s.o.PublicURL)
		return err == nil && u.Scheme == p.Scheme && u.Host == p.Host
	}
	return u.Host == r.Host
}

// signin uses a link and starts a session.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.sameOrigin(r) {
		s.refuse(w, r, http.StatusForbidden, "console_csrf_refused")
		return
	}
	boundedForm(w, r)
	token := r.PostFormValue("token")
	now := s.o.Now()
	var memberID int64
	var cookie string
	err := s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if memberID, err = store.UseConsoleLink(ctx, tx, hash(token), now); err != nil {
			return err
		}
		m, err := store.MemberByID(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if !allowed(m) {
			return errNotAllowed
		}
		cookie = randomToken()
		id, err := store.CreateConsoleSession(ctx, tx, memberID, hash(cookie), randomToken(), now)
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &memberID, Action: "console_signin", SubjectID: &memberID,
			After: map[string]any{"session_id": id}})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.refuse(w, r, http.StatusForbidden, "console_link_refused")
		return
	case errors.Is(err, errNotAllowed):
		s.refuse(w, r, http.StatusForbidden, "console_not_allowed")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("console sign-in", "member_id", memberID)
	s.setCookie(w, cookie, 0)
	http.Redirect(w, r, "/alerts", http.StatusSeeOther)
}

var errNotAllowed = errors.New("console: not an active analyst or admin")

func (s *Server) signout(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	err := s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := store.EndConsoleSession(ctx, tx, v.session.ID, s.o.Now()); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &v.member.ID, Action: "console_signout",
			After: map[string]any{"session_id": v.session.ID}})
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, "", -1)
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "message", s.browserLang(r), nil, map[string]any{"Message": "console_signed_out"})
}

// refuse shows a refusal (a used link, an ended session, a missing CSRF token) with status.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, id string) {
	s.render(w, r, status, "message", s.browserLang(r), nil, map[string]any{"Message": id})
}

// notFound is the answer for anything that does not exist.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.render(w, r, http.StatusNotFound, "message", v.lang, v, map[string]any{"Message": "console_not_found"})
}

// fail logs an error and shows the generic error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	s.o.Log.Error("console request failed", "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, "message", s.browserLang(r), nil, map[string]any{"Message": "console_error"})
}

// audit records an export.
func (s *Server) auditExport(ctx context.Context, v *viewer, what string, query string) {
	err := store.Audit(ctx, s.o.Store.DB, store.AuditEntry{ActorID: &v.member.ID, Action: "console_export",
		After: map[string]any{"export": what, "query": query}})
	if err != nil {
		s.o.Log.Error("console export not audited", "member_id", v.member.ID, "err", err)
	}
}
