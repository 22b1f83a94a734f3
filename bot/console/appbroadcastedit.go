package console

import (
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	bcast "focalbot/bot/broadcast"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// The texts of a confidential broadcast, written in the Mini App (CONFIDENTIAL_CONTENT): in
// confidential mode /broadcast creates the draft without a text and its chat panel's Open leads
// here, so that the text never passes through Telegram. The page takes a text for each
// language the broadcast offers (an empty one: no version in that language), checked by the
// chat's rule (bcast.CheckText, the chat's refusal) and saved into the draft; the audience,
// the schedule, the preview and Send stay in the chat's panel, which shows of the texts only
// their languages and lengths. Only the draft's author, an active analyst or admin, opens it;
// anyone else is answered as for a broadcast that does not exist.

// bcLangText is one language's text on the page.
type bcLangText struct {
	Code, Name, Text string
	Open             bool // shown unfolded: the author's language, or one with a text
}

// appBroadcastDraft loads the draft of the path for its author; anything else is answered as a
// missing broadcast (ok false, the answer written). A draft confirmed or discarded meanwhile
// is answered as the chat answers a late press (bc_not_draft).
func (s *Server) appBroadcastDraft(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.Broadcast, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var b *store.Broadcast
	if err == nil {
		b, err = store.BroadcastByID(r.Context(), s.o.Store.DB, id)
		if err != nil && !isNotFound(err) {
			s.fail(w, r, err)
			return nil, false
		}
	}
	if err != nil || b.AuthorID != v.member.ID || !v.member.IsAnalyst() || !b.Confidential {
		s.appNotFound(w, r, v)
		return nil, false
	}
	if b.State != store.BroadcastDraft {
		s.render(w, r, http.StatusConflict, "message", v.lang, nil, map[string]any{"Message": "bc_not_draft"})
		return nil, false
	}
	return b, true
}

// appBroadcastEdit shows the draft's texts for writing.
func (s *Server) appBroadcastEdit(w http.ResponseWriter, r *http.Request, v *appViewer) {
	b, ok := s.appBroadcastDraft(w, r, v)
	if !ok {
		return
	}
	texts, err := store.BroadcastTexts(r.Context(), s.o.Store.DB, b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.appBroadcastEditPage(w, r, v, b, texts, "")
}

// appBroadcastSave checks every text typed and saves them all, or none: a text refused keeps
// the page as typed, with the chat's refusal naming its language.
func (s *Server) appBroadcastSave(w http.ResponseWriter, r *http.Request, v *appViewer) {
	b, ok := s.appBroadcastDraft(w, r, v)
	if !ok {
		return
	}
	typed := map[string]string{}
	var first string
	for _, code := range i18n.Supported {
		if t := strings.TrimSpace(r.PostFormValue("text_" + code)); t != "" {
			typed[code] = t
			if first == "" {
				first = code
			}
		}
	}
	if len(typed) == 0 {
		s.appBroadcastEditPage(w, r, v, b, typed, s.o.I18n.T(v.lang, "bc_conf_no_text", nil))
		return
	}
	withFile := b.PhotoFileID != "" || b.DocumentFileID != ""
	for _, code := range i18n.Supported {
		t, ok := typed[code]
		if !ok {
			continue
		}
		if p := bcast.CheckText(t, withFile); p != nil {
			s.appBroadcastEditPage(w, r, v, b, typed,
				html.EscapeString(i18n.NativeName(code))+": "+s.o.I18n.T(v.lang, p.ID, p.Data))
			return
		}
	}
	if _, ok := typed[b.FallbackLang]; !ok {
		b.FallbackLang = first // the fallback must be a version that exists
		if _, ok := typed[v.lang]; ok {
			b.FallbackLang = v.lang
		}
	}
	err := s.o.Store.InTx(r.Context(), func(tx *sqlx.Tx) error {
		// First the draft's row, which also finds it still a draft of its author (and holds it
		// until the texts are saved: Send in the chat waits for them).
		if err := store.UpdateBroadcastDraft(r.Context(), tx, b); err != nil {
			return err
		}
		for _, code := range i18n.Supported {
			var err error
			if t, ok := typed[code]; ok {
				err = store.SetBroadcastText(r.Context(), tx, b.ID, code, t)
			} else {
				err = store.DeleteBroadcastText(r.Context(), tx, b.ID, code)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case isNotFound(err):
		s.render(w, r, http.StatusConflict, "message", v.lang, nil, map[string]any{"Message": "bc_not_draft"})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("broadcast texts saved in the mini app", "broadcast_id", b.ID, "languages", len(typed))
	if s.o.BroadcastTextsSaved != nil {
		// The chat's panel shows the languages and lengths just saved; a panel that can no
		// longer be edited is redrawn by the next press.
		if err := s.o.BroadcastTextsSaved(r.Context(), v.member.ID, b.ID); err != nil {
			s.o.Log.Warn("broadcast panel not redrawn", "broadcast_id", b.ID, "err", err)
		}
	}
	s.appBroadcastEditPage(w, r, v, b, typed, s.o.I18n.T(v.lang, "bc_app_saved", map[string]any{"ID": b.ID}))
}

// appBroadcastEditPage renders the page with texts (as saved, or as typed) and notice (HTML).
func (s *Server) appBroadcastEditPage(w http.ResponseWriter, r *http.Request, v *appViewer, b *store.Broadcast, texts map[string]string, notice string) {
	// The author's language first, then those written, then the others.
	var langs []bcLangText
	add := func(code string) {
		for _, l := range langs {
			if l.Code == code {
				return
			}
		}
		t, has := texts[code]
		langs = append(langs, bcLangText{Code: code, Name: i18n.NativeName(code), Text: t, Open: has || code == v.lang})
	}
	if slices.Contains(i18n.Supported, v.lang) {
		add(v.lang)
	}
	for _, code := range i18n.Supported {
		if _, ok := texts[code]; ok {
			add(code)
		}
	}
	for _, code := range i18n.Supported {
		add(code)
	}
	data := map[string]any{"B": b, "CSRF": v.csrf, "Langs": langs, "Max": bcast.MaxText}
	if notice != "" {
		data["Notice"] = template.HTML(notice)
	}
	s.render(w, r, http.StatusOK, "appbroadcastedit", v.lang, nil, data)
}
