package console

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// The Mini App's request form (CONFIDENTIAL_CONTENT): /ask answers with Open to it, so the
// text of a request is written here and never passes through Telegram. What the chat's /ask
// asks for: targets (countries and/or CARICC, and/or one named member: the chat's buttons ask
// for the member instead of countries, one page can take both, and rfi.Create takes both
// alike), text, urgency, reply-by (a preset delay, or a typed time read in the writer's zone)
// and the alert it is about. Checked in the chat's order by the chat's rules (bot/rfi: whom a
// request may name, how a typed time is read, which alert it may refer to), with the chat's
// refusals, and created by the chat's own code (rfi.Create): numbered, queued to its
// recipients, audited. The writer then sees the request's page.

// replyByChoices are the chat's reply-by buttons, by their form value.
var replyByChoices = []struct{ Value, Label string }{{"2h", "rfi_btn_2h"}, {"24h", "rfi_btn_24h"}, {"72h", "rfi_btn_3d"}}

// requestForm is what the form shows again after a refusal.
type requestForm struct {
	Countries []string
	CARICC    bool
	Member    int64 // a named member, with or without countries and CARICC; 0 for none
	Urgency   string
	By        string
	ByTyped   string // a typed reply-by time, which wins over By
	Text      string
	Alert     string // the alert's reference as typed, "" for none
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
	members, err := s.addressable(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"CSRF": v.csrf, "Form": f, "Countries": countries, "ReplyBy": replyByChoices, "Members": members,
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
		By: r.PostFormValue("reply_by"), ByTyped: strings.TrimSpace(r.PostFormValue("reply_by_typed")),
		Text: strings.TrimSpace(r.PostFormValue("text")), Alert: strings.TrimSpace(r.PostFormValue("alert_ref"))}
	if m := r.PostFormValue("member"); m != "" {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // not a member's ID: refused as a member who cannot be asked
		}
		f.Member = id
	}
	for _, c := range r.PostForm["country"] {
		if slices.Contains(store.NetworkCountries, c) && !slices.Contains(f.Countries, c) {
			f.Countries = append(f.Countries, c)
		}
	}
	refuse := func(id string, data map[string]any) { s.appRequestForm(w, r, v, f, id, data) }
	lang := s.writtenIn(v)
	// The chat's steps, in its order: targets, text and files, urgency, reply-by, alert.
	if len(f.Countries) == 0 && !f.CARICC && f.Member == 0 {
		refuse("rfi_no_target", nil)
		return
	}
	if f.Member != 0 {
		if _, err := rfi.NamedMember(ctx, s.o.Store.DB, v.member.ID, f.Member); errors.Is(err, rfi.ErrMemberGone) {
			refuse("rfi_member_gone", nil)
			return
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
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
	if f.Text == "" {
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
	files, notice, noticeData := formUploads(r) // with the text, as in the chat; kept by the server, with the request (appfiles.go)
	if notice != "" {
		refuse(notice, noticeData)
		return
	}
	if f.Urgency != store.RFIRoutine && f.Urgency != store.RFIUrgent {
		refuse("rfi_use_buttons", nil)
		return
	}
	now := s.o.Now()
	var replyBy time.Time
	if f.ByTyped != "" { // typed as in the chat, in the writer's zone
		t, err := rfi.ParseReplyBy(f.ByTyped, now, v.member.Zone())
		var p *alert.Problem
		switch {
		case errors.As(err, &p):
			refuse(p.ID, p.Data)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		replyBy = t
	} else {
		dur, err := time.ParseDuration(f.By)
		if err != nil || !slices.ContainsFunc(replyByChoices, func(c struct{ Value, Label string }) bool { return c.Value == f.By }) {
			refuse("rfi_use_buttons", nil)
			return
		}
		replyBy = now.Add(dur)
	}
	var alertRef string
	if f.Alert != "" {
		alertRef, err = rfi.LinkAlert(ctx, s.o.Store.DB, v.member, f.Alert)
		switch {
		case errors.Is(err, rfi.ErrAlertRef):
			refuse("rfi_form_alert_bad", nil)
			return
		case errors.Is(err, rfi.ErrAlertUnseen): // the chat's answer, the same for both causes
			refuse("alert_not_found", nil)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
	}
	d := &rfi.Draft{Countries: f.Countries, CARICC: f.CARICC, Body: f.Text, Files: files, Urgency: f.Urgency,
		ReplyBy: replyBy.UTC().Truncate(time.Minute), AlertRef: alertRef}
	if f.Member > 0 {
		d.MemberID = f.Member
	}
	ref, err := rfi.Create(ctx, s.o.Store, v.member, lang, d, now)
	switch {
	case errors.Is(err, rfi.ErrMemberGone):
		refuse("rfi_member_gone", nil)
		return
	case errors.Is(err, rfi.ErrNoRecipients):
		refuse("rfi_no_recipients", nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("request sent from the mini app", "ref", ref, "member_id", v.member.ID)
	x, err := store.RFIByRef(ctx, s.o.Store.DB, ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.appRequestPage(w, r, v, x, "rfi_sent", map[string]any{"Ref": ref}) // its targets, deadline and alert as stored
}

// memberChoice is a member the form offers to ask by name.
type memberChoice struct {
	ID   int64
	Name string
}

// addressable lists the members v may name in a request (rfi.AddressableMembers), as the
// chat's member buttons do: their name and unit, and their country, or their agency when
// they have none.
func (s *Server) addressable(ctx context.Context, v *appViewer) ([]memberChoice, error) {
	members, err := store.ActiveMembers(ctx, s.o.Store.DB)
	if err != nil {
		return nil, err
	}
	var out []memberChoice
	for _, m := range rfi.AddressableMembers(members, v.member.ID) {
		name := m.DisplayName
		if name == "" {
			name = "#" + strconv.FormatInt(m.ID, 10)
		}
		if m.Unit != "" {
			sep := ", "
			if i18n.RightToLeft(v.lang) {
				sep = "، "
			}
			name += sep + m.Unit
		}
		where := s.o.I18n.T(v.lang, "agency_"+m.Agency, nil)
		if m.Country != nil && *m.Country != "" {
			where = i18n.CountryName(v.lang, *m.Country)
		}
		out = append(out, memberChoice{ID: m.ID, Name: name + " (" + plainText(where) + ")"})
	}
	return out, nil
}
