package console

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// A request for information in the Mini App (CONFIDENTIAL_CONTENT): the chat carries only its
// reference, countries and deadline with an Open button; its text, its thread and its files are
// read here, and its targets reply (or decline), its requester answers (or closes) here, by the
// same domain code as the chat's buttons (bot/rfi). Only the parties of the request — its
// requester, targets and copies — and analysts and admins may open it; anyone else is answered
// as for a request that does not exist.

// appRequest loads the request of the path for the viewer (rfi.CanSee); anything else is
// answered as a missing request (ok false, the answer written).
func (s *Server) appRequest(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.RFI, bool) {
	ctx := r.Context()
	x, err := store.RFIByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return nil, false
	}
	ok := err == nil
	if ok {
		if ok, err = rfi.CanSee(ctx, s.o.Store.DB, v.member, x); err != nil {
			s.fail(w, r, err)
			return nil, false
		}
	}
	if !ok {
		s.appNotFound(w, r, v)
		return nil, false
	}
	return x, true
}

// appRequestView shows a request's thread in the Mini App.
func (s *Server) appRequestView(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if x, ok := s.appRequest(w, r, v); ok {
		s.appRequestPage(w, r, v, x, "", nil)
	}
}

// appRequestPage renders the request's Mini App page with the forms that fit the viewer's part
// in it, and notice (a message ID, and its data) above.
func (s *Server) appRequestPage(w http.ResponseWriter, r *http.Request, v *appViewer, x *store.RFI, notice string, noticeData map[string]any) {
	s.appRequestPageTyped(w, r, v, x, notice, noticeData, "")
}

// appRequestPageTyped is appRequestPage with the reply form holding typed: a reply refused
// for its files keeps its text.
func (s *Server) appRequestPageTyped(w http.ResponseWriter, r *http.Request, v *appViewer, x *store.RFI, notice string, noticeData map[string]any, typed string) {
	ctx := r.Context()
	data, err := s.requestData(ctx, x)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Zone"] = v.member.Zone()
	data["CSRF"] = v.csrf
	data["Max"] = rfi.MaxBody
	data["MaxFiles"], data["MaxFileMB"], data["Typed"] = rfi.MaxFiles, MaxAppFile>>20, typed
	rc, err := store.RFIRecipientOf(ctx, s.o.Store.DB, x.ID, v.member.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	target := err == nil && rc.Role == store.RFITarget && rc.State != store.RFIDeclined
	requester := x.RequesterID == v.member.ID
	data["CanReply"] = target                 // after closing too: a late answer, as in the chat
	data["CanDecline"] = target && x.Open()   // with a reason
	data["CanAnswer"] = requester && x.Open() // the requester adds to the thread
	data["CanClose"] = requester && x.Open()
	if notice != "" {
		data["Notice"] = template.HTML(s.o.I18n.T(v.lang, notice, noticeData))
	}
	s.render(w, r, http.StatusOK, "apprequest", v.lang, nil, data)
}

// appRequestWrite takes a reply (from a target), an answer (from the requester) or a decline
// (from a target, with its reason): mode is "reply" or "decline".
func (s *Server) appRequestWrite(mode string) func(http.ResponseWriter, *http.Request, *appViewer) {
	return func(w http.ResponseWriter, r *http.Request, v *appViewer) {
		x, ok := s.appRequest(w, r, v)
		if !ok {
			return
		}
		ctx := r.Context()
		text := strings.TrimSpace(r.PostFormValue("text"))
		var files []rfi.File // a reply's or an answer's; a decline has none, as in the chat
		if mode == "reply" {
			var notice string
			var noticeData map[string]any
			if files, notice, noticeData = formUploads(r); notice != "" {
				s.appRequestPageTyped(w, r, v, x, notice, noticeData, text)
				return
			}
		}
		if text == "" && len(files) == 0 {
			s.appRequestPage(w, r, v, x, "rfi_empty_reply", nil)
			return
		}
		if n := alert.UTF16Len(text); n > rfi.MaxBody {
			s.appRequestPage(w, r, v, x, "rfi_too_long", map[string]any{"Max": rfi.MaxBody, "Len": n})
			return
		}
		lang := v.member.Language
		if lang == "" {
			lang = v.lang
		}
		now := s.o.Now()
		notice := ""
		var noticeData map[string]any
		err := s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
			x2, err := store.RFIByID(ctx, tx, x.ID, true) // the request's row locked, its state as of now
			if err != nil {
				return err
			}
			x = x2
			noticeData = map[string]any{"Ref": x.Ref}
			rc, err := store.RFIRecipientOf(ctx, tx, x.ID, v.member.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			target := err == nil && rc.Role == store.RFITarget && rc.State != store.RFIDeclined
			switch {
			case mode == "reply" && target:
				late, err := rfi.Reply(ctx, tx, x, v.member, text, lang, files, now)
				notice = "rfi_reply_sent"
				if late {
					notice = "rfi_reply_late"
				}
				return err
			case mode == "reply" && x.RequesterID == v.member.ID:
				if !x.Open() {
					notice = "rfi_closed_already"
					return nil
				}
				notice = "rfi_answer_sent"
				return rfi.Answer(ctx, tx, x, v.member, text, lang, files, now)
			case mode == "decline" && target:
				if !x.Open() {
					notice = "rfi_closed_already"
					return nil
				}
				notice = "rfi_declined_ok"
				return rfi.Decline(ctx, tx, x, rc, v.member, text, lang, now)
			}
			notice, noticeData = "rfi_not_yours", map[string]any{"Ref": x.Ref}
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.appRequestPage(w, r, v, x, notice, noticeData)
	}
}

// appRequestClose closes the request for its requester.
func (s *Server) appRequestClose(w http.ResponseWriter, r *http.Request, v *appViewer) {
	x, ok := s.appRequest(w, r, v)
	if !ok {
		return
	}
	if x.RequesterID != v.member.ID {
		s.appRequestPage(w, r, v, x, "rfi_not_requester", map[string]any{"Ref": x.Ref})
		return
	}
	notice := "rfi_closed_ok"
	err := s.o.Store.InTx(r.Context(), func(tx *sqlx.Tx) error {
		closed, err := rfi.Close(r.Context(), tx, x, v.member, s.o.Now())
		if err == nil && !closed {
			notice = "rfi_closed_already"
		}
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if x, err = store.RFIByID(r.Context(), s.o.Store.DB, x.ID, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.appRequestPage(w, r, v, x, notice, map[string]any{"Ref": x.Ref})
}

// appRequestFile passes on a file of the request's thread from Telegram (by its file_id), or
// serves one sent from the Mini App ("m<id>"), to whoever may see the request.
func (s *Server) appRequestFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	x, ok := s.appRequest(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	if key := r.PathValue("id"); strings.HasPrefix(key, "m") { // sent from the Mini App (app_files)
		s.appRequestAppFile(w, r, v, x, key[1:])
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var f *store.RFIAttachment
	var m *store.RFIMessage
	if err == nil {
		f, err = store.RFIAttachmentByID(ctx, s.o.Store.DB, id)
	}
	if err == nil {
		m, err = store.RFIMessageByID(ctx, s.o.Store.DB, f.MessageID)
	}
	if err != nil || m.RFIID != x.ID {
		s.appNotFound(w, r, v)
		return
	}
	s.proxyFile(w, r, v.member, f.FileID, f.FileName, x.Ref)
}
