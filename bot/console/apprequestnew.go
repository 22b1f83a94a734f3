package console

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// The Mini App's request form (CONFIDENTIAL_CONTENT): /ask answers with Open to it, so the
// text of a request is written here and never passes through Telegram. Targets (countries
// and/or CARICC), urgency, reply-by and text, checked as the chat checks them (the same
// length check, the same refusal of a country without a focal point), and created by the
// chat's own code (rfi.Create): numbered, queued to its recipients, audited.

// replyByChoices are the chat's reply-by buttons, by their form value.
var replyByChoices = []struct{ Value, Label string }{{"2h", "rfi_btn_2h"}, {"24h", "rfi_btn_24h"}, {"72h", "rfi_btn_3d"}}

// requestForm is what the form shows again after a refusal.
type requestForm struct {
	Countries []string
	CARICC    bool
	Urgency   string
	By        string
	Text      string
}

// appRequestNew shows the empty form.
func (s *Server) appRequestNew(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	s.appRequestForm(w, r, v, requestForm{Urgency: store.RFIRoutine, By: "24h"}, "", nil)
}

// appRequestForm renders the form, with notice (a message ID, and its data) above.
func (s *Server) appRequestForm(w http.ResponseWriter, r *http.Request, v *appViewer, f requestForm, notice string, noticeData map[string]any) {
	type country struct {
		Code, Name string
		Checked    bool
	}
	var countries []country
	for _, c := range store.NetworkCountries {
		countries = append(countries, country{Code: c, Name: i18n.CountryName(v.lang, c), Checked: slices.Contains(f.Countries, c)})
	}
	data := map[string]any{"CSRF": v.csrf, "Form": f, "Countries": countries, "ReplyBy": replyByChoices,
		"Urgencies": []string{store.RFIRoutine, store.RFIUrgent}, "Max": rfi.MaxBody, "Zone": v.member.Zone(),
		"MaxFiles": rfi.MaxFiles, "MaxFileMB": MaxAppFile >> 20}
	if notice != "" {
		data["Notice"] = template.HTML(s.o.I18n.T(v.lang, notice, noticeData))
	}
	s.render(w, r, http.StatusOK, "apprequestnew", v.lang, nil, data)
}

// appRequestSubmit checks the form as the chat checks each step, and creates the request.
func (s *Server) appRequestSubmit(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	f := requestForm{CARICC: r.PostFormValue("caricc") != "", Urgency: r.PostFormValue("urgency"),
		By: r.PostFormValue("reply_by"), Text: strings.TrimSpace(r.PostFormValue("text"))}
	for _, c := range r.PostForm["country"] {
		if slices.Contains(store.NetworkCountries, c) && !slices.Contains(f.Countries, c) {
			f.Countries = append(f.Countries, c)
		}
	}
	refuse := func(id string, data map[string]any) { s.appRequestForm(w, r, v, f, id, data) }
	dur, err := time.ParseDuration(f.By)
	okBy := err == nil && slices.ContainsFunc(replyByChoices, func(c struct{ Value, Label string }) bool { return c.Value == f.By })
	lang := s.writtenIn(v)
	switch {
	case len(f.Countries) == 0 && !f.CARICC:
		refuse("rfi_no_target", nil)
		return
	case f.Urgency != store.RFIRoutine && f.Urgency != store.RFIUrgent, !okBy:
		refuse("rfi_use_buttons", nil)
		return
	case f.Text == "":
		refuse("rfi_empty", nil)
		return
	}
	if n := alert.UTF16Len(f.Text); n > rfi.MaxBody {
		refuse("rfi_too_long", map[string]any{"Max": rfi.MaxBody, "Len": n})
		return
	}
	if s.o.RequestFits != nil {
		if n, ok := s.o.RequestFits(v.member, lang, f.Text); !ok {
			refuse("text_too_long_rendered", map[string]any{"Length": n, "Max": alert.MaxMessage, "Over": n - alert.MaxMessage})
			return
		}
	}
	files, notice, noticeData := formUploads(r) // kept by the server, with the request (appfiles.go)
	if notice != "" {
		refuse(notice, noticeData)
		return
	}
	missing, err := rfi.MissingCountries(ctx, s.o.Store.DB, v.member.ID, f.Countries)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(missing) > 0 {
		var names []string
		for _, c := range missing {
			names = append(names, i18n.CountryName(v.lang, c))
		}
		refuse("rfi_no_focal_point", map[string]any{"Countries": i18n.JoinList(v.lang, names)})
		return
	}
	now := s.o.Now()
	ref, err := rfi.Create(ctx, s.o.Store, v.member, lang, &rfi.Draft{Countries: f.Countries, CARICC: f.CARICC, Body: f.Text,
		Urgency: f.Urgency, ReplyBy: now.Add(dur).UTC().Truncate(time.Minute), Files: files}, now)
	switch {
	case errors.Is(err, rfi.ErrNoRecipients):
		refuse("rfi_no_recipients", nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("request sent from the mini app", "ref", ref, "member_id", v.member.ID)
	s.render(w, r, http.StatusOK, "message", v.lang, nil, map[string]any{"Message": "rfi_sent", "Ref": ref})
}
