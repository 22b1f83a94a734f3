package console

import (
	"html/template"
	"net/http"
	"strconv"

	"focalbot/bot/store"
)

// A broadcast its author marked confidential, in the Mini App: the chat carries its header and
// Open; the text (in the reader's language, else the fallback) and its photo or document are
// read here, and acknowledged here when the author asked for it. Its recipients, its author and
// analysts and admins may open it; anyone else is answered as for one that does not exist.

// appBroadcast loads the broadcast of the path for the viewer, and whether they may still
// acknowledge it; anything else is answered as a missing broadcast (ok false, the answer written).
func (s *Server) appBroadcast(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.Broadcast, bool, bool) {
	ctx := r.Context()
	notFound := func() (*store.Broadcast, bool, bool) {
		s.appNotFound(w, r, v)
		return nil, false, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	b, err := store.BroadcastByID(ctx, s.o.Store.DB, id)
	if err != nil {
		if !isNotFound(err) {
			s.fail(w, r, err)
			return nil, false, false
		}
		return notFound()
	}
	recipient, acked, err := store.BroadcastRecipient(ctx, s.o.Store.DB, b.ID, v.member.ID)
	if err != nil {
		s.fail(w, r, err)
		return nil, false, false
	}
	if b.State == store.BroadcastDraft || !(recipient || b.AuthorID == v.member.ID || v.member.IsAnalyst()) {
		return notFound()
	}
	return b, recipient && !acked && b.AckRequested, true
}

// appBroadcastView shows the broadcast.
func (s *Server) appBroadcastView(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if b, canAck, ok := s.appBroadcast(w, r, v); ok {
		s.appBroadcastPage(w, r, v, b, canAck, "")
	}
}

// appBroadcastAck acknowledges the broadcast for a recipient (the chat's Acknowledge).
func (s *Server) appBroadcastAck(w http.ResponseWriter, r *http.Request, v *appViewer) {
	b, _, ok := s.appBroadcast(w, r, v)
	if !ok {
		return
	}
	notice := "bc_ack_already"
	recorded, err := store.AckBroadcast(r.Context(), s.o.Store.DB, b.ID, v.member.ID, s.o.Now())
	switch {
	case isNotFound(err):
		notice = "bc_ack_not_recipient"
	case err != nil:
		s.fail(w, r, err)
		return
	case recorded:
		notice = "bc_acked"
	}
	s.appBroadcastPage(w, r, v, b, false, notice)
}

func (s *Server) appBroadcastPage(w http.ResponseWriter, r *http.Request, v *appViewer, b *store.Broadcast, canAck bool, notice string) {
	texts, err := store.BroadcastTexts(r.Context(), s.o.Store.DB, b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := v.lang
	text, ok := texts[lang]
	if !ok {
		lang, text = b.FallbackLang, texts[b.FallbackLang]
	}
	data := map[string]any{"B": b, "Zone": v.member.Zone(), "CSRF": v.csrf, "CanAck": canAck,
		"Header": template.HTML(s.o.I18n.T(v.lang, "bc_header_"+strconv.Itoa(int(b.Priority)), nil)),
		"Text":   text, "TextLang": lang, "Translated": lang != v.lang,
		"HasFile": b.PhotoFileID != "" || b.DocumentFileID != ""}
	if notice != "" {
		data["Notice"] = template.HTML(s.o.I18n.T(v.lang, notice, nil))
	}
	s.render(w, r, http.StatusOK, "appbroadcast", v.lang, nil, data)
}

// appBroadcastFile passes on the broadcast's photo or document from Telegram.
func (s *Server) appBroadcastFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	b, _, ok := s.appBroadcast(w, r, v)
	if !ok {
		return
	}
	fileID, name := b.DocumentFileID, ""
	if b.PhotoFileID != "" {
		fileID, name = b.PhotoFileID, "photo.jpg"
	}
	if fileID == "" {
		s.appNotFound(w, r, v)
		return
	}
	s.proxyFile(w, r, v.member, fileID, name, "broadcast "+strconv.FormatInt(b.ID, 10))
}
