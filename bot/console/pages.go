package console

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/csvsafe"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// pageSize is how many rows a list shows at once.
const pageSize = 50

// alertStates are the states the register's filter offers (withdrawn alerts are not shown).
var alertStates = []string{store.AlertSubmitted, store.AlertReturned, store.AlertRejected, store.AlertPublished, store.AlertCancelled}

// period reads the from and to dates of a filter (YYYY-MM-DD, days in the viewer's zone; to
// included).
func period(q url.Values, zone *time.Location) (from, to *time.Time) {
	if t, err := time.ParseInLocation(time.DateOnly, q.Get("from"), zone); err == nil {
		from = &t
	}
	if t, err := time.ParseInLocation(time.DateOnly, q.Get("to"), zone); err == nil {
		t = t.AddDate(0, 0, 1)
		to = &t
	}
	return from, to
}

// pageNumber is the list page asked for, from 1.
func pageNumber(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is the data of a list's page links.
type pager struct {
	Page, Pages, Total int
	Prev, Next, CSV    string
}

func newPager(q url.Values, page, total int) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+pageSize-1)/pageSize)}
	link := func(n int) string {
		c := cloneValues(q)
		c.Set("page", strconv.Itoa(n))
		return "?" + c.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	c := cloneValues(q)
	c.Del("page")
	c.Set("format", "csv")
	p.CSV = "?" + c.Encode()
	return p
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "format" {
			c[k] = append([]string(nil), v...)
		}
	}
	return c
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func (p *page) options(prefix string, codes []string, selected string) []option {
	out := []option{{Value: "", Label: p.Word("console_any"), Selected: selected == ""}}
	for _, c := range codes {
		out = append(out, option{Value: c, Label: p.Word(prefix + c), Selected: c == selected})
	}
	return out
}

// CountryOptions are the network's countries for a filter.
func (p *page) CountryOptions(selected string) []option {
	out := []option{{Value: "", Label: p.Word("console_any"), Selected: selected == ""}}
	for _, c := range store.NetworkCountries {
		out = append(out, option{Value: c, Label: i18n.CountryName(p.Lang, c), Selected: c == selected})
	}
	return out
}

// Options are the choices of the register's filters, by name.
func (p *page) Options(name, selected string) []option {
	switch name {
	case "class":
		return p.options(alert.Classifications.Prefix, alert.Classifications.Codes, selected)
	case "state":
		return p.options("alert_state_", alertStates, selected)
	case "substance":
		return p.options(alert.Substances.Prefix, alert.Substances.Codes, selected)
	case "conveyance":
		return p.options(alert.Conveyances.Prefix, alert.Conveyances.Codes, selected)
	case "country":
		return p.CountryOptions(selected)
	case "sort":
		var out []option
		for _, k := range store.AlertSortKeys {
			out = append(out, option{Value: k, Label: p.Word("console_sort_" + k), Selected: k == selected || selected == "" && k == "newest"})
		}
		return out
	case "rfistate":
		return p.options("rfi_state_", []string{store.RFIOpen, store.RFIClosed}, selected)
	}
	return nil
}

// alertFilter reads the register's filter from the query.
func alertFilter(q url.Values, zone *time.Location) store.AlertFilter {
	f := store.AlertFilter{Sort: q.Get("sort"), Drills: q.Get("drills") == "1"}
	f.From, f.To = period(q, zone)
	if c := q.Get("class"); alert.Classifications.Has(c) {
		f.Classification = c
	}
	for _, st := range alertStates {
		if q.Get("state") == st {
			f.State = st
		}
	}
	for _, c := range store.NetworkCountries {
		if q.Get("country") == c {
			f.Country = c
		}
	}
	if c := q.Get("substance"); alert.Substances.Has(c) {
		f.Substance = c
	}
	if c := q.Get("conveyance"); alert.Conveyances.Has(c) {
		f.Conveyance = c
	}
	if id := strings.TrimSpace(q.Get("ident")); id != "" {
		if strings.HasPrefix(strings.ToUpper(id), "ALR-") {
			f.Ident = strings.ToUpper(id)
		} else {
			f.Ident = alert.Normalize(id)
		}
	}
	return f
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	zone := v.member.Zone()
	f := alertFilter(q, zone)
	if q.Get("format") == "csv" {
		rows, _, err := store.ConsoleAlerts(ctx, s.o.Store.DB, f, 0, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.auditExport(ctx, v, "alerts", q.Encode())
		s.writeCSV(w, "alerts.csv", alertsCSV(rows))
		return
	}
	pg := pageNumber(q)
	rows, total, err := store.ConsoleAlerts(ctx, s.o.Store.DB, f, (pg-1)*pageSize, pageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "alerts", v.lang, v, map[string]any{
		"Rows": rows, "Q": q, "Pager": newPager(q, pg, total), "Drills": f.Drills})
}

// alertsCSV is the register as CSV: codes rather than translations, times in UTC, free text
// left out (as in `focalbot export alerts`) but for goods and quantity; every cell escaped.
func alertsCSV(rows []store.ConsoleAlert) [][]string {
	out := [][]string{csvsafe.Row("ref", "submitted_at", "published_at", "classification", "state", "drill", "author_country",
		"route_countries", "route_locodes", "conveyance", "substance", "goods", "quantity", "identifiers", "acknowledged", "recipients")}
	for _, a := range rows {
		var locodes, idents []string
		for _, p := range a.Content.Route {
			if p.Locode != "" {
				locodes = append(locodes, p.Locode)
			}
		}
		for _, id := range a.Content.Identifiers {
			idents = append(idents, id.Kind+":"+id.Value)
		}
		out = append(out, csvsafe.Row(a.Ref, utc(&a.SubmittedAt), utc(a.PublishedAt), a.Classification, a.State,
			strconv.FormatBool(a.Drill), deref(a.AuthorCountry), strings.Join(a.Content.Countries(), " "),
			strings.Join(locodes, " "), a.Content.Conveyance, a.Content.Substance, a.Content.Goods, a.Content.Quantity,
			strings.Join(idents, " "), strconv.Itoa(a.Acked), strconv.Itoa(a.Total)))
	}
	return out
}

func utc(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// writeCSV sends records as a CSV download. Every cell has gone through csvsafe already.
func (s *Server) writeCSV(w http.ResponseWriter, name string, records [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(records)
}

// names maps member IDs to display names.
func (s *Server) names(ctx context.Context, ids []int64) (map[int64]store.Member, error) {
	ms, err := store.LoadMembers(ctx, s.o.Store.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]store.Member, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

// fileRef is an attachment as the alert page lists it.
type fileRef struct {
	Key, Kind, Name, Caption string
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	al, err := store.AlertByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil || al.State == store.AlertWithdrawn {
		if err != nil && !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.notFound(w, r, v)
		return
	}
	fus, err := store.Followups(ctx, s.o.Store.DB, al.ID, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	matrix, err := store.AckMatrix(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	linked, err := store.LinkedAlerts(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := []int64{al.AuthorID}
	for _, f := range fus {
		ids = append(ids, f.AuthorID)
	}
	if al.DecidedBy != nil {
		ids = append(ids, *al.DecidedBy)
	}
	people, err := s.names(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	meta := alerttext.Meta{Ref: al.Ref, AuthorCountry: al.AuthorCountry, Time: al.SubmittedAt,
		Zone: v.member.Zone(), Cancelled: al.State == store.AlertCancelled}
	if al.PublishedAt != nil {
		meta.Time = *al.PublishedAt
	}
	// The rendering is the bot's own (Telegram's HTML subset: <b>, <i>, <code>, every value
	// escaped), so the page says exactly what the recipients read, in the viewer's language.
	rendered := template.HTML(alerttext.Render(s.o.I18n, v.lang, &al.Content, meta))
	var files []fileRef
	for i, a := range al.Content.Attachments {
		files = append(files, fileRef{Key: "a" + strconv.Itoa(i), Kind: a.Kind, Name: a.Name, Caption: a.Caption})
	}
	// The files uploaded with the Mini App's form, kept by the server (app_files): "m<id>".
	uploaded, err := store.AlertAppFiles(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range uploaded {
		files = append(files, fileRef{Key: "m" + strconv.FormatInt(f.ID, 10), Kind: "document", Name: f.Name})
	}
	// The files uploaded with the follow-ups in the Mini App, listed under each (by follow-up
	// ID), served as "m<id>" like the alert's own.
	fuFiles, err := store.FollowupAppFiles(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byFollowup := map[int64][]store.AppFile{}
	for _, f := range fuFiles {
		byFollowup[*f.FollowupID] = append(byFollowup[*f.FollowupID], f)
	}
	acked := 0
	for _, m := range matrix {
		if m.AckedAt != nil {
			acked++
		}
	}
	s.render(w, r, http.StatusOK, "alert", v.lang, v, map[string]any{
		"A": al, "Rendered": rendered, "Files": files, "Followups": fus, "FollowupFiles": byFollowup, "People": people,
		"Matrix": matrix, "Acked": acked, "Linked": linked})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// alertFile proxies an attachment of an alert ("a<n>") or of a follow-up ("f<id>") from
// Telegram, or serves a file uploaded with the Mini App's form ("m<id>") from the database;
// every download is audited as the viewer's.
func (s *Server) alertFile(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	al, err := store.AlertByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil || al.State == store.AlertWithdrawn {
		s.notFound(w, r, v)
		return
	}
	if key := r.PathValue("n"); strings.HasPrefix(key, "m") {
		s.uploadedFile(w, r, v, al, key[1:])
		return
	}
	fileID, name, ok := s.chatFile(ctx, al, r.PathValue("n"))
	if !ok {
		s.notFound(w, r, v)
		return
	}
	s.proxyFile(w, r, v.member, fileID, name, al.Ref)
}

// uploadedFile serves a file of al, or of one of its follow-ups, uploaded in the Mini App
// (app_files) as a download, audited like the files passed on from Telegram
// (console_download). Its bytes go as application/octet-stream: the type sniffed at upload is
// not trusted to be shown inline.
func (s *Server) uploadedFile(w http.ResponseWriter, r *http.Request, v *viewer, al *store.Alert, key string) {
	ctx := r.Context()
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	f, data, err := store.AlertAppFileData(ctx, s.o.Store.DB, al.ID, id)
	if isNotFound(err) { // not the alert's own: perhaps a follow-up's
		f, data, err = store.FollowupAppFileData(ctx, s.o.Store.DB, al.ID, id)
	}
	if err != nil {
		if !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.notFound(w, r, v)
		return
	}
	err = store.Audit(ctx, s.o.Store.DB, store.AuditEntry{ActorID: &v.member.ID, Action: "console_download",
		SubjectID: &al.ID, After: map[string]any{"ref": al.Ref, "file": f.Name, "file_id": f.ID}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// chatFile finds a file sent with an alert in the chat, kept by Telegram's file_id: key "a<n>"
// is the alert's attachment n, "f<id>" the file of its follow-up id. ok is false for anything
// else.
func (s *Server) chatFile(ctx context.Context, al *store.Alert, key string) (fileID, name string, ok bool) {
	switch {
	case strings.HasPrefix(key, "a"):
		i, err := strconv.Atoi(key[1:])
		if err != nil || i < 0 || i >= len(al.Content.Attachments) {
			return "", "", false
		}
		return al.Content.Attachments[i].FileID, al.Content.Attachments[i].Name, true
	case strings.HasPrefix(key, "f"):
		id, err := strconv.ParseInt(key[1:], 10, 64)
		if err != nil {
			return "", "", false
		}
		f, err := store.FollowupByID(ctx, s.o.Store.DB, id)
		if err != nil || f.AlertID != al.ID || f.FileID == nil {
			return "", "", false
		}
		return *f.FileID, "", true
	}
	return "", "", false
}

func (s *Server) requests(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	from, to := period(q, v.member.Zone())
	state := q.Get("state")
	if state != store.RFIOpen && state != store.RFIClosed {
		state = ""
	}
	if q.Get("format") == "csv" {
		rows, _, err := store.ConsoleRFIs(ctx, s.o.Store.DB, from, to, state, 0, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.auditExport(ctx, v, "requests", q.Encode())
		out := [][]string{csvsafe.Row("ref", "created_at", "requester", "target_countries", "to_caricc", "urgency", "alert_ref",
			"reply_by", "state", "replies", "first_reply_at", "in_time")}
		for _, f := range rows {
			inTime := f.FirstAt != nil && !f.FirstAt.After(f.ReplyBy)
			out = append(out, csvsafe.Row(f.Ref, utc(&f.CreatedAt), f.Requester, strings.Join(f.TargetCountries, " "),
				strconv.FormatBool(f.ToCARICC), f.Urgency, deref(f.AlertRef), utc(&f.ReplyBy), f.State,
				strconv.Itoa(f.Replies), utc(f.FirstAt), strconv.FormatBool(inTime)))
		}
		s.writeCSV(w, "requests.csv", out)
		return
	}
	pg := pageNumber(q)
	rows, total, err := store.ConsoleRFIs(ctx, s.o.Store.DB, from, to, state, (pg-1)*pageSize, pageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "requests", v.lang, v, map[string]any{"Rows": rows, "Q": q, "Pager": newPager(q, pg, total)})
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	f, err := store.RFIByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil {
		if !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.notFound(w, r, v)
		return
	}
	data, err := s.requestData(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "request", v.lang, v, data)
}

// requestData is what a request's page shows, on the console and in the Mini App: the
// request, its thread, its recipients, the files of each message and everyone's names.
func (s *Server) requestData(ctx context.Context, f *store.RFI) (map[string]any, error) {
	msgs, err := store.RFIMessages(ctx, s.o.Store.DB, f.ID)
	if err != nil {
		return nil, err
	}
	recips, err := store.RFIRecipients(ctx, s.o.Store.DB, f.ID)
	if err != nil {
		return nil, err
	}
	files, err := store.RFIAttachments(ctx, s.o.Store.DB, f.ID)
	if err != nil {
		return nil, err
	}
	ids := []int64{f.RequesterID}
	for _, m := range msgs {
		if m.AuthorID != nil {
			ids = append(ids, *m.AuthorID)
		}
	}
	for _, rc := range recips {
		ids = append(ids, rc.MemberID)
	}
	if f.TargetMemberID != nil {
		ids = append(ids, *f.TargetMemberID)
	}
	people, err := s.names(ctx, ids)
	if err != nil {
		return nil, err
	}
	byMsg := map[int64][]store.RFIAttachment{}
	for _, a := range files {
		byMsg[a.MessageID] = append(byMsg[a.MessageID], a)
	}
	// The files sent from the Mini App, kept by the server (app_files): "m<id>".
	uploaded, err := store.RFIAppFiles(ctx, s.o.Store.DB, f.ID)
	if err != nil {
		return nil, err
	}
	appByMsg := map[int64][]store.AppFile{}
	for _, a := range uploaded {
		appByMsg[*a.RFIMessageID] = append(appByMsg[*a.RFIMessageID], a)
	}
	return map[string]any{"R": f, "Messages": msgs, "Recipients": recips, "Files": byMsg, "AppFiles": appByMsg, "People": people}, nil
}

func (s *Server) requestFile(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	f, err := store.RFIByRef(ctx, s.o.Store.DB, r.PathValue("ref"))
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	if key := r.PathValue("id"); strings.HasPrefix(key, "m") { // sent from the Mini App (app_files)
		s.requestAppFile(w, r, v, f, key[1:])
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	a, err := store.RFIAttachmentByID(ctx, s.o.Store.DB, id)
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	m, err := store.RFIMessageByID(ctx, s.o.Store.DB, a.MessageID)
	if err != nil || m.RFIID != f.ID {
		s.notFound(w, r, v)
		return
	}
	s.proxyFile(w, r, v.member, a.FileID, a.FileName, f.Ref)
}

func (s *Server) broadcasts(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	from, to := period(q, v.member.Zone())
	if q.Get("format") == "csv" {
		rows, _, err := store.ConsoleBroadcasts(ctx, s.o.Store.DB, from, to, 0, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.auditExport(ctx, v, "broadcasts", q.Encode())
		out := [][]string{csvsafe.Row("id", "created_at", "author", "state", "audience_all", "countries", "roles", "agencies",
			"scheduled_for", "sent_at", "recipients", "ack_requested", "acknowledged")}
		for _, b := range rows {
			out = append(out, csvsafe.Row(strconv.FormatInt(b.ID, 10), utc(&b.CreatedAt), b.Author, b.State,
				strconv.FormatBool(b.AudienceAll), strings.Join(b.Countries, " "), strings.Join(b.Roles, " "),
				strings.Join(b.Agencies, " "), utc(b.ScheduledFor), utc(b.SentAt), strconv.Itoa(b.Recipients),
				strconv.FormatBool(b.AckRequested), strconv.Itoa(b.Acked)))
		}
		s.writeCSV(w, "broadcasts.csv", out)
		return
	}
	pg := pageNumber(q)
	rows, total, err := store.ConsoleBroadcasts(ctx, s.o.Store.DB, from, to, (pg-1)*pageSize, pageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "broadcasts", v.lang, v, map[string]any{"Rows": rows, "Q": q, "Pager": newPager(q, pg, total)})
}

func (s *Server) broadcastPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	b, err := store.BroadcastByID(ctx, s.o.Store.DB, id)
	if err != nil || b.State == store.BroadcastDraft {
		if err != nil && !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.notFound(w, r, v)
		return
	}
	texts, err := store.BroadcastTexts(ctx, s.o.Store.DB, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recips, err := store.BroadcastRecipientStates(ctx, s.o.Store.DB, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, err := s.names(ctx, []int64{b.AuthorID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type version struct{ Lang, Name, Text string }
	var versions []version
	for _, l := range s.o.I18n.Languages() {
		if t, ok := texts[l]; ok {
			versions = append(versions, version{Lang: l, Name: i18n.LanguageName(v.lang, l), Text: t})
		}
	}
	acked := 0
	for _, rc := range recips {
		if rc.AckedAt != nil {
			acked++
		}
	}
	s.render(w, r, http.StatusOK, "broadcast", v.lang, v, map[string]any{
		"B": b, "Versions": versions, "Recipients": recips, "Author": people[b.AuthorID], "Acked": acked})
}

// Audience describes a broadcast's audience in the viewer's language.
func (p *page) Audience(b store.Broadcast) string {
	if b.AudienceAll {
		return p.Word("console_audience_all")
	}
	var parts []string
	for _, c := range b.Countries {
		parts = append(parts, i18n.CountryName(p.Lang, c))
	}
	for _, r := range b.Roles {
		parts = append(parts, p.Word("role_"+r))
	}
	for _, a := range b.Agencies {
		parts = append(parts, p.Word("agency_"+a))
	}
	return i18n.JoinList(p.Lang, parts)
}

// Targets describes whom a request asked.
func (p *page) Targets(f store.RFI, people map[int64]store.Member) string {
	var parts []string
	for _, c := range f.TargetCountries {
		parts = append(parts, i18n.CountryName(p.Lang, c))
	}
	if f.TargetMemberID != nil {
		parts = append(parts, people[*f.TargetMemberID].DisplayName)
	}
	if f.ToCARICC {
		parts = append(parts, "CARICC")
	}
	return i18n.JoinList(p.Lang, parts)
}

// RouteCountries names the countries of an alert's route.
func (p *page) RouteCountries(c alert.Content) string {
	var names []string
	for _, cc := range c.Countries() {
		names = append(names, i18n.CountryName(p.Lang, cc))
	}
	return i18n.JoinList(p.Lang, names)
}

// Member is a member's name with their country, for tables.
func (p *page) Member(m store.Member) string {
	if m.DisplayName == "" {
		return fmt.Sprintf("#%d", m.ID)
	}
	return m.DisplayName
}

// LangName names the language free text was written in.
func (p *page) LangName(code string) string {
	if code == "" {
		return ""
	}
	return i18n.LanguageName(p.Lang, code)
}

// Query is a filter value of the current query, for the form's fields.
func (p *page) Query(name string) string {
	if q, ok := p.Data["Q"].(url.Values); ok {
		return q.Get(name)
	}
	return ""
}

// CSRF is the session's token for the forms that change something (sign-out).
func (p *page) CSRF() string {
	if p.V == nil {
		return ""
	}
	return p.V.session.CSRF
}
