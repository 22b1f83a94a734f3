package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/alert/submission"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// The Mini App: what a web_app button opens inside Telegram (CONFIDENTIAL_CONTENT). Its pages
// are served to any member of the network, not only analysts, and have no session: the page
// Telegram opens is an empty shell, whose script posts the initData Telegram gave it with
// every request; each request checks that signature, its age and the member again, and every
// change also carries a CSRF token bound to the initData's user. The content travels from this
// server to the phone, never through Telegram.

// InitDataMaxAge is how old initData may be: Telegram signs it when the Mini App opens, so a
// page open longer than this must be opened again.
const InitDataMaxAge = time.Hour

// errInitData is any initData refused: unsigned, signed with another key, too old, malformed.
var errInitData = errors.New("console: initData refused")

// InitUser is who opened the Mini App, as initData says.
type InitUser struct {
	ID       int64
	AuthDate time.Time
}

// VerifyInitData checks initData as Telegram prescribes: secret_key = HMAC-SHA-256(key
// "WebAppData", the bot's token); the hash must be the hex HMAC-SHA-256, under secret_key, of
// every other field as key=value, sorted by key, joined by newlines. auth_date must not be
// older than InitDataMaxAge at now (nor more than a minute ahead of it).
//
// go-telegram/bot's ValidateWebappRequest is not used: it unescapes the values a second time
// (a "+" or "%" in a user's name breaks the check), compares the hash in variable time and
// checks no age.
func VerifyInitData(initData, token string, now time.Time) (InitUser, error) {
	v, err := url.ParseQuery(initData)
	if err != nil || token == "" {
		return InitUser{}, errInitData
	}
	got, err := hex.DecodeString(v.Get("hash"))
	if err != nil || len(v["hash"]) != 1 {
		return InitUser{}, errInitData
	}
	keys := make([]string, 0, len(v))
	for k, vals := range v {
		if len(vals) != 1 {
			return InitUser{}, errInitData
		}
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + v.Get(k)
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(strings.Join(lines, "\n")))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return InitUser{}, errInitData
	}
	sec, err := strconv.ParseInt(v.Get("auth_date"), 10, 64)
	if err != nil {
		return InitUser{}, errInitData
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > InitDataMaxAge || at.Sub(now) > time.Minute {
		return InitUser{}, fmt.Errorf("%w: signed at %s, now %s", errInitData, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	var u struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(v.Get("user")), &u); err != nil || u.ID <= 0 {
		return InitUser{}, errInitData
	}
	return InitUser{ID: u.ID, AuthDate: at}, nil
}

// appCSRF is the CSRF token of a Mini App page: an HMAC, under a key derived from the bot's
// token, of the initData's user and signing time. It needs no storage and is good only with
// that user's initData of that moment.
func (s *Server) appCSRF(u InitUser) string {
	k := hmac.New(sha256.New, []byte("focalbot Mini App CSRF"))
	k.Write([]byte(s.o.BotToken))
	mac := hmac.New(sha256.New, k.Sum(nil))
	fmt.Fprintf(mac, "%d|%d", u.ID, u.AuthDate.Unix())
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// appViewer is the member who opened the Mini App, checked on this request.
type appViewer struct {
	member *store.Member
	user   InitUser
	lang   string
	csrf   string
}

// app wraps a Mini App request (a POST carrying init_data): it checks the signature, the age
// and the member — an active member of the network — and, for a change, the Origin and the
// CSRF token. Anything else gets the refusal, the same for every cause.
func (s *Server) app(change bool, h func(http.ResponseWriter, *http.Request, *appViewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		boundedForm(w, r)
		u, err := VerifyInitData(r.PostFormValue("init_data"), s.o.BotToken, s.o.Now())
		if err != nil {
			s.o.Log.Info("mini app request refused", "path", r.URL.Path, "err", err)
			s.refuse(w, r, http.StatusUnauthorized, "console_app_refused")
			return
		}
		m, err := store.MemberByTelegramID(ctx, s.o.Store.DB, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, err)
			return
		}
		if err != nil || !m.Active() {
			s.o.Log.Info("mini app request refused", "path", r.URL.Path, "telegram_user_id", u.ID, "err", "not an active member")
			s.refuse(w, r, http.StatusForbidden, "console_app_refused")
			return
		}
		v := &appViewer{member: m, user: u, lang: s.langOf(m), csrf: s.appCSRF(u)}
		if change {
			got := r.PostFormValue("csrf")
			if !s.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(got), []byte(v.csrf)) != 1 {
				s.refuse(w, r, http.StatusForbidden, "console_csrf_refused")
				return
			}
		}
		h(w, r, v)
	})
}

// appNotFound is the Mini App's answer for anything missing or not the viewer's to see: one
// answer for both, so that a refusal reveals nothing of what exists.
func (s *Server) appNotFound(w http.ResponseWriter, r *http.Request, v *appViewer) {
	s.render(w, r, http.StatusNotFound, "message", v.lang, nil, map[string]any{"Message": "console_not_found"})
}

// appShell is the page a web_app button opens: no content, only the script that asks for it
// with the initData Telegram gave the page.
func (s *Server) appShell(w http.ResponseWriter, r *http.Request) {
	view := r.URL.EscapedPath() // the content is posted for at the shell's own address
	s.render(w, r, http.StatusOK, "app", s.browserLang(r), nil, map[string]any{"View": view})
}

// appAlert loads the alert of the path for the viewer: found, not withdrawn, and theirs to see
// as the bot decides it (store.CanSee). Anything else
// is answered as a missing alert (ok false, the answer written).
func (s *Server) appAlert(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.Alert, bool) {
	ctx := r.Context()
	al, err := store.AlertByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return nil, false
	}
	ok := err == nil && al.State != store.AlertWithdrawn
	if ok {
		// The bot's own rule (/alert REF): analysts and admins, the author, the recipients.
		ok, err = store.CanSee(ctx, s.o.Store.DB, al.ID, v.member.ID, v.member.IsAnalyst())
		if err != nil {
			s.fail(w, r, err)
			return nil, false
		}
	}
	if !ok {
		s.appNotFound(w, r, v)
		return nil, false
	}
	return al, true
}

// appView shows an alert in the Mini App, as its recipients read it, with Acknowledge for a
// recipient who has not yet.
func (s *Server) appView(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if al, ok := s.appAlert(w, r, v); ok {
		s.appPage(w, r, v, al, "", nil)
	}
}

// appAck acknowledges the alert for the viewer: the chat's Acknowledge button, pressed here
// (the same submission.Acknowledge: one acknowledgement per recipient, a second press changes
// nothing; the cards that count it are refreshed).
func (s *Server) appAck(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.appAlert(w, r, v)
	if !ok {
		return
	}
	notice := "alert_already_acked"
	if al.State != store.AlertPublished {
		notice = stateNotice(al)
	}
	if al.State == store.AlertPublished {
		// With the refresh of the author's and the analysts' cards (submission.RefreshCards).
		done, err := submission.Acknowledge(r.Context(), s.o.Store, al, v.member.ID, s.o.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if done {
			notice = "alert_acked"
			s.o.Log.Info("alert acknowledged in the mini app", "ref", al.Ref, "member_id", v.member.ID)
		}
	}
	s.appPage(w, r, v, al, notice, map[string]any{"Ref": al.Ref})
}

// appFollowup sends a follow-up from the Mini App: the chat's follow-up (submission.Followup),
// to the author and the analysts at once, for whoever may see the published alert. Like the
// chat's, it is text, files (photos and documents, posted with the form: at most
// alert.MaxFiles, kept by the server with the follow-up and never sent to Telegram), or both;
// its files are checked all together before anything is stored, and a follow-up refused keeps
// its text in the form.
func (s *Server) appFollowup(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.appAlert(w, r, v)
	if !ok {
		return
	}
	if al.State != store.AlertPublished {
		s.appPage(w, r, v, al, stateNotice(al), map[string]any{"Ref": al.Ref})
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	files, notice, noticeData := followupUploads(r)
	if notice != "" {
		s.appPageTyped(w, r, v, al, notice, noticeData, text)
		return
	}
	n := utf8.RuneCountInString(text)
	if n == 0 && len(files) == 0 {
		s.appPage(w, r, v, al, "rfi_empty_reply", nil)
		return
	}
	if n > submission.MaxFollowupText {
		s.appPageTyped(w, r, v, al, "alert_err_followup_long", map[string]any{"Max": submission.MaxFollowupText, "Length": n}, text)
		return
	}
	lang := v.member.Language
	if lang == "" {
		lang = v.lang
	}
	f := &store.Followup{AlertID: al.ID, AuthorID: v.member.ID, Kind: "followup", Text: text, Lang: lang, CreatedAt: s.o.Now()}
	err := s.o.Store.InTx(r.Context(), func(tx *sqlx.Tx) error { return submission.Followup(r.Context(), tx, al, f, files) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.appPage(w, r, v, al, "alert_followup_sent_app", map[string]any{"Ref": al.Ref})
}

// appDecide returns or rejects a submitted alert from its Mini App page, with the reason typed
// there: the chat's Return for changes and Reject (submission.Decide, the same decision, the
// author's notice and the marks of the analysts' copies — the decider's too, whose copy keeps
// its buttons otherwise). Analysts and admins only: anyone else is answered as for a missing
// alert. The reason has the chat's bounds and refusals, and keeps its text in the form when
// refused; a decision on a revision no longer awaiting one is refused as in the chat (replaced
// by a newer revision, or decided by another analyst, who is named).
func (s *Server) appDecide(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.analystAlert(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	state := r.PostFormValue("state")
	rev, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil || (state != store.AlertReturned && state != store.AlertRejected) {
		s.appNotFound(w, r, v)
		return
	}
	if notice, data := s.undecidable(ctx, v, al, rev); notice != "" {
		s.appPage(w, r, v, al, notice, data)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		s.appPageReason(w, r, v, al, "alert_ask_reason_"+state, map[string]any{"Ref": al.Ref}, "")
		return
	}
	if n := utf8.RuneCountInString(reason); n > submission.MaxReason {
		s.appPageReason(w, r, v, al, "alert_err_too_long", map[string]any{"Max": submission.MaxReason, "Length": n}, reason)
		return
	}
	var decided *store.Alert
	err = s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		decided, err = submission.Decide(ctx, tx, al, state, v.member.ID, reason, s.o.Now(), 0)
		return err
	})
	if isNotFound(err) {
		// Another analyst decided (or the author withdrew it) between the check and this
		// transaction.
		if al, err = store.AlertByID(ctx, s.o.Store.DB, al.ID); err == nil {
			notice, data := s.undecidable(ctx, v, al, rev)
			s.appPage(w, r, v, al, notice, data)
			return
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("alert decided in the mini app", "ref", al.Ref, "state", state, "member_id", v.member.ID)
	s.appPage(w, r, v, decided, "alert_decided_"+state, map[string]any{"Ref": al.Ref})
}

// analystAlert loads the alert of the path for an analyst's change (a decision, an update):
// anyone but an analyst or admin is answered as for a missing alert.
func (s *Server) analystAlert(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.Alert, bool) {
	if !v.member.IsAnalyst() {
		s.appNotFound(w, r, v)
		return nil, false
	}
	return s.appAlert(w, r, v)
}

// appAmend publishes an update of a published alert, or cancels it, from its Mini App page,
// with the text typed there: the chat's Update and Cancel (submission.Amend: the follow-up to
// the recipients and the author, the marks of their alerts, the cards). Analysts and admins
// only: anyone else is answered as for a missing alert. The text has the Mini App follow-up's
// bound and keeps its text in the form when refused; an alert no longer published is told as
// the page tells it (cancelled).
func (s *Server) appAmend(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.analystAlert(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	kind := r.PostFormValue("kind")
	if kind != "update" && kind != "cancel" {
		s.appNotFound(w, r, v)
		return
	}
	if al.State != store.AlertPublished {
		s.appPage(w, r, v, al, stateNotice(al), map[string]any{"Ref": al.Ref})
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" {
		s.appPageAmend(w, r, v, al, "alert_ask_"+kind, map[string]any{"Ref": al.Ref}, "")
		return
	}
	if n := utf8.RuneCountInString(text); n > submission.MaxFollowupText {
		s.appPageAmend(w, r, v, al, "alert_err_followup_long", map[string]any{"Max": submission.MaxFollowupText, "Length": n}, text)
		return
	}
	lang := v.member.Language
	if lang == "" {
		lang = v.lang
	}
	var n int
	err := s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		n, err = submission.Amend(ctx, tx, al, kind, v.member.ID, text, lang, s.o.Now())
		return err
	})
	if isNotFound(err) {
		// Cancelled by another analyst between the check and this transaction.
		if al, err = store.AlertByID(ctx, s.o.Store.DB, al.ID); err == nil {
			s.appPage(w, r, v, al, stateNotice(al), map[string]any{"Ref": al.Ref})
			return
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("alert amended in the mini app", "ref", al.Ref, "kind", kind, "member_id", v.member.ID)
	if al, err = store.AlertByID(ctx, s.o.Store.DB, al.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.appPage(w, r, v, al, "alert_amended_"+kind, map[string]any{"Ref": al.Ref, "Count": n})
}

// undecidable is why revision rev of al takes no decision, as the chat tells it (checkSubmitted
// and stateError in handlers/alert): replaced by a newer revision, withdrawn, cancelled, or
// decided by whom; "" when it awaits one.
func (s *Server) undecidable(ctx context.Context, v *appViewer, al *store.Alert, rev int) (string, map[string]any) {
	switch {
	case al.Revision != rev && (al.State == store.AlertSubmitted || al.State == store.AlertReturned):
		return "alert_superseded", map[string]any{"Ref": al.Ref, "Revision": al.Revision}
	case al.State == store.AlertSubmitted:
		return "", nil
	case al.State == store.AlertCancelled:
		return "alert_is_cancelled", map[string]any{"Ref": al.Ref}
	case al.State == store.AlertWithdrawn:
		return "alert_is_withdrawn", map[string]any{"Ref": al.Ref}
	}
	by := ""
	if al.DecidedBy != nil {
		if m, err := store.MemberByID(ctx, s.o.Store.DB, *al.DecidedBy); err == nil {
			by = s.appMemberName(v.lang, m)
		}
	}
	return "alert_already_decided", map[string]any{"Ref": al.Ref, "By": by,
		"Outcome": i18n.HTML(s.o.I18n.T(v.lang, "alert_state_"+al.State, nil))}
}

// appMemberName names a member as the chat does (ui.MemberName): their name, or #id, with
// their country, or their agency when they have none; a former member as forgotten.
func (s *Server) appMemberName(lang string, m *store.Member) string {
	if i18n.IsFormerMember(m.DisplayName) {
		return m.DisplayName
	}
	name := m.DisplayName
	if name == "" {
		name = "#" + strconv.FormatInt(m.ID, 10)
	}
	where := plainText(s.o.I18n.T(lang, "agency_"+m.Agency, nil))
	if m.Country != nil && *m.Country != "" {
		where = i18n.CountryName(lang, *m.Country)
	}
	return name + " (" + where + ")"
}

// appPage renders the alert's Mini App page, with notice (a message ID, and its data) above it.
func (s *Server) appPage(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, notice string, noticeData map[string]any) {
	s.appPageWith(w, r, v, al, notice, noticeData, "", "", "")
}

// appPageTyped is appPage with the follow-up form holding typed: a follow-up refused for its
// files or its length keeps its text.
func (s *Server) appPageTyped(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, notice string, noticeData map[string]any, typed string) {
	s.appPageWith(w, r, v, al, notice, noticeData, typed, "", "")
}

// appPageReason is appPage with the decision form holding reason: a reason refused for its
// length keeps its text.
func (s *Server) appPageReason(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, notice string, noticeData map[string]any, reason string) {
	s.appPageWith(w, r, v, al, notice, noticeData, "", reason, "")
}

// appPageAmend is appPage with the update or cancellation form holding text: a text refused
// for its length keeps it.
func (s *Server) appPageAmend(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, notice string, noticeData map[string]any, text string) {
	s.appPageWith(w, r, v, al, notice, noticeData, "", "", text)
}

// followupVisible tells whether the viewer of an alert's Mini App page reads its follow-up f:
// an analyst every one, the alert's author and f's writer theirs (submission.Followup told the
// author), the alert's recipients those an analyst published to them. The files of the others
// are answered as missing.
func followupVisible(v *appViewer, al *store.Alert, f *store.Followup) bool {
	return v.member.IsAnalyst() || f.PublishedAt != nil || al.AuthorID == v.member.ID || f.AuthorID == v.member.ID
}

// appPageWith renders the alert's page with the follow-up form holding typed, the decision
// form reason and the update or cancellation form amend.
func (s *Server) appPageWith(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, notice string, noticeData map[string]any, typed, reason, amend string) {
	ctx := r.Context()
	zone := v.member.Zone()
	meta := alerttext.Meta{Ref: al.Ref, AuthorCountry: al.AuthorCountry, Time: al.SubmittedAt, Zone: zone,
		Cancelled: al.State == store.AlertCancelled}
	if al.PublishedAt != nil {
		meta.Time = *al.PublishedAt
	}
	recipient, err := store.IsRecipient(ctx, s.o.Store.DB, al.ID, v.member.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acked := false
	if recipient { // the author and analysts outside the audience have no acknowledgement to read
		if acked, err = store.Acked(ctx, s.o.Store.DB, al.ID, v.member.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	data := map[string]any{"A": al, "Zone": zone, "CSRF": v.csrf,
		"Rendered": template.HTML(alerttext.Render(s.o.I18n, v.lang, &al.Content, meta)),
		"CanAck":   recipient && !acked && al.State == store.AlertPublished, "Acked": recipient && acked,
		"CanSubmit": canSubmit(v.member), "CanFollowUp": al.State == store.AlertPublished,
		"Typed": typed, "MaxFiles": alert.MaxFiles, "MaxFileMB": MaxAppFile >> 20,
		// Return for changes or Reject, with the reason typed here (appDecide): an analyst's, of a
		// submitted alert; Approve stays the chat's button (it carries no text).
		"CanDecide": v.member.IsAnalyst() && al.State == store.AlertSubmitted, "TypedReason": reason, "MaxReason": submission.MaxReason,
		// Update or Cancel, with the text typed here (appAmend): an analyst's, of a published alert.
		"CanAmend": v.member.IsAnalyst() && al.State == store.AlertPublished, "TypedAmend": amend, "MaxAmend": submission.MaxFollowupText}
	if notice != "" {
		data["Notice"] = template.HTML(s.o.I18n.T(v.lang, notice, noticeData))
	}
	if v.member.IsAnalyst() || al.AuthorID == v.member.ID {
		counts, err := store.AlertAckCounts(ctx, s.o.Store.DB, al.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Counts"] = &counts
		// Revise: the author's, of a returned alert, in the Mini App's form (appRevise).
		data["CanRevise"] = al.AuthorID == v.member.ID && al.State == store.AlertReturned
		if al.Reason != nil && (al.State == store.AlertReturned || al.State == store.AlertRejected) {
			data["Reason"] = *al.Reason // CARICC's reason, kept off Telegram in confidential mode
		}
	}
	all, err := store.Followups(ctx, s.o.Store.DB, al.ID, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var fus []store.Followup
	visible := map[int64]bool{}
	for _, f := range all {
		if followupVisible(v, al, &f) {
			fus = append(fus, f)
			visible[f.ID] = true
		}
	}
	data["Followups"] = fus
	// The files uploaded with the follow-ups in the Mini App, kept by the server, under each
	// (by follow-up ID); those of follow-ups the viewer does not read are not in it.
	fuFiles, err := store.FollowupAppFiles(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byFollowup := map[int64][]store.AppFile{}
	for _, f := range fuFiles {
		if visible[*f.FollowupID] {
			byFollowup[*f.FollowupID] = append(byFollowup[*f.FollowupID], f)
		}
	}
	data["FollowupFiles"] = byFollowup
	files, err := store.AlertAppFiles(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Files"] = files
	// The files sent with the alert and its follow-ups in the chat, kept by Telegram: passed on
	// from there (appChatFile), as the console does.
	type chatFile struct{ Key, Name string }
	var chat []chatFile
	fileName := func(kind, name string) string {
		if name != "" {
			return name
		}
		return plainText(s.o.I18n.T(v.lang, "console_file_"+kind, nil))
	}
	for i, att := range al.Content.Attachments {
		chat = append(chat, chatFile{Key: "a" + strconv.Itoa(i), Name: fileName(att.Kind, att.Name)})
	}
	for _, f := range fus {
		if f.FileID != nil && f.FileKind != nil {
			chat = append(chat, chatFile{Key: "f" + strconv.FormatInt(f.ID, 10), Name: fileName(*f.FileKind, "")})
		}
	}
	data["ChatFiles"] = chat
	s.render(w, r, http.StatusOK, "appalert", v.lang, nil, data)
}

// appChatFile passes on a file sent with the alert or a follow-up in the chat (see chatFile)
// from Telegram, to whoever may see the alert — a follow-up's to whoever reads that follow-up
// on the page (followupVisible).
func (s *Server) appChatFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.appAlert(w, r, v)
	if !ok {
		return
	}
	key := r.PathValue("n")
	if strings.HasPrefix(key, "f") {
		id, err := strconv.ParseInt(key[1:], 10, 64)
		var f *store.Followup
		if err == nil {
			f, err = store.FollowupByID(r.Context(), s.o.Store.DB, id)
			if err != nil && !isNotFound(err) {
				s.fail(w, r, err)
				return
			}
		}
		if err != nil || f.AlertID != al.ID || !followupVisible(v, al, f) {
			s.appNotFound(w, r, v)
			return
		}
	}
	fileID, name, ok := s.chatFile(r.Context(), al, key)
	if !ok {
		s.appNotFound(w, r, v)
		return
	}
	s.proxyFile(w, r, v.member, fileID, name, al.Ref)
}

// stateNotice tells why an alert no longer takes an acknowledgement or a follow-up: cancelled;
// for an alert not yet published (an analyst's view) the page says enough.
func stateNotice(al *store.Alert) string {
	if al.State == store.AlertCancelled {
		return "alert_is_cancelled"
	}
	return ""
}
