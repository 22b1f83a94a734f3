package console

import (
	"html/template"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/alert/submission"
	"focalbot/bot/store"
)

// The Mini App's alert form: every field of the chat's pasted form on one screen, read by the
// same code (alert.ParseForm: ISO 6346 and IMO check digits, UN/LOCODE, the vocabularies),
// saved as a draft as it is typed, and submitted through the chat's own submission
// (submission.New): numbered, queued to the analysts, audited.

// formVocabs are the fields chosen from a list; their options carry the word in the viewer's
// language, which the form's parser reads as a typed word.
var formVocabs = map[string]*alert.Vocabulary{"classification": &alert.Classifications, "conveyance": &alert.Conveyances,
	"substance": &alert.Substances, "concealment": &alert.Concealments}

// formField is one field of the form as the template draws it.
type formField struct {
	Name, Label, Value string
	Kind               string // select | check | checks | textarea | text
	Options            []formOption
	Problems           []template.HTML
}

type formOption struct {
	Value    string
	Selected bool
}

// canSubmit: observers submit nothing, as in the chat.
func canSubmit(m *store.Member) bool { return m.Role != store.RoleObserver }

// formValues reads the form's fields from a request: each field as typed, the chosen risks
// joined by commas.
func formValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for _, f := range alert.FormFields {
		vals := r.PostForm[f]
		var kept []string
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			out[f] = strings.Join(kept, ", ")
		}
	}
	return out
}

// parseFields reads the fields as the chat reads a pasted form, and returns the content and
// each field's problems (those of no field under "").
func (s *Server) parseFields(lang string, fields map[string]string) (alert.Content, map[string][]alert.Problem) {
	var lines []string
	lineField := map[int]string{}
	for _, f := range alert.FormFields {
		v := fields[f]
		if v == "" {
			continue
		}
		lines = append(lines, s.o.I18n.T(lang, alert.LabelID(f), nil)+": "+v)
		for range strings.Count(v, "\n") + 1 {
			lineField[len(lineField)+1] = f
		}
	}
	c, problems := alert.ParseForm(s.o.I18n, strings.Join(lines, "\n"), lang)
	byField := map[string][]alert.Problem{}
	for _, p := range problems {
		f := lineField[p.Line]
		if f == "" && strings.HasPrefix(p.Field, "alert_label_") {
			f = strings.TrimPrefix(p.Field, "alert_label_")
		}
		if f != "" {
			p.Line = 0 // told beside its field, not by a line of text the officer never saw
		}
		byField[f] = append(byField[f], p)
	}
	return c, byField
}

// appNew shows the form, filled from the member's draft.
func (s *Server) appNew(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	fields, err := store.AppDraft(r.Context(), s.o.Store.DB, v.member.ID)
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return
	}
	s.appForm(w, r, v, fields, nil)
}

// appDraft saves the form as typed so far.
func (s *Server) appDraft(w http.ResponseWriter, r *http.Request, v *appViewer) {
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	if err := store.SaveAppDraft(r.Context(), s.o.Store.DB, v.member.ID, formValues(r), s.o.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// appSubmit checks the form as the chat checks a pasted one; with no problem left it submits
// the alert and deletes the draft, in one transaction.
func (s *Server) appSubmit(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	fields := formValues(r)
	c, problems := s.parseFields(s.writtenIn(v), fields)
	if len(problems) == 0 {
		// Too long for one message in some language: refused as the chat refuses it, beside the
		// description, which is what can be shortened.
		if ps := alerttext.LengthProblems(s.o.I18n, s.o.I18n.Languages(), &c); len(ps) > 0 {
			problems = map[string][]alert.Problem{"text": ps}
		}
	}
	if len(problems) > 0 {
		if err := store.SaveAppDraft(ctx, s.o.Store.DB, v.member.ID, fields, s.o.Now()); err != nil {
			s.fail(w, r, err)
			return
		}
		s.appForm(w, r, v, fields, problems)
		return
	}
	var al *store.Alert
	err := s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if al, err = submission.New(ctx, tx, v.member, c, s.o.Now()); err != nil {
			return err
		}
		if err := store.AttachDraftFiles(ctx, tx, v.member.ID, al.ID); err != nil {
			return err
		}
		return store.DeleteAppDraft(ctx, tx, v.member.ID)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("alert submitted in the mini app", "ref", al.Ref, "member_id", v.member.ID)
	s.render(w, r, http.StatusOK, "message", v.lang, nil, map[string]any{"Message": "alert_submitted", "Ref": al.Ref,
		"Zone": v.member.Zone()})
}

// revisable loads the alert of the path for revising: its author's, and returned. Anyone else
// is answered as for a missing alert; the author of an alert no longer returned is told so on
// its page.
func (s *Server) revisable(w http.ResponseWriter, r *http.Request, v *appViewer) (*store.Alert, bool) {
	al, err := store.AlertByRef(r.Context(), s.o.Store.DB, r.PathValue("ref"))
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return nil, false
	}
	if err != nil || al.AuthorID != v.member.ID || al.State == store.AlertWithdrawn || !canSubmit(v.member) {
		s.appNotFound(w, r, v)
		return nil, false
	}
	if al.State != store.AlertReturned {
		s.appPage(w, r, v, al, "alert_not_returned", map[string]any{"Ref": al.Ref})
		return nil, false
	}
	return al, true
}

// appRevise shows the form for revising a returned alert: the author's draft of the revision
// when there is one, else the alert as it was returned; with the alert's files, those sent in
// the chat and those kept by the server, and the files uploaded on the draft.
func (s *Server) appRevise(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.revisable(w, r, v)
	if !ok {
		return
	}
	fields, err := s.revisionFields(r, v, al)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.appFormFor(w, r, v, al, fields, nil)
}

// revisionFields are the author's draft of the revision of al, or al's own content as the
// form shows it when there is no draft.
func (s *Server) revisionFields(r *http.Request, v *appViewer, al *store.Alert) (map[string]string, error) {
	fields, err := store.RevisionDraft(r.Context(), s.o.Store.DB, v.member.ID, al.ID)
	if isNotFound(err) {
		return alert.FormValues(s.o.I18n, v.lang, &al.Content), nil
	}
	return fields, err
}

// appReviseDraft saves the revise form as typed so far, with the files marked for removal: the
// revision's own draft, apart from the member's draft of a new alert.
func (s *Server) appReviseDraft(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.revisable(w, r, v)
	if !ok {
		return
	}
	if err := store.SaveRevisionDraft(r.Context(), s.o.Store.DB, v.member.ID, al.ID, reviseValues(r), s.o.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// appReviseFile uploads a file to the revision's draft, as appFile does to a new alert's: kept
// by the server, never sent to Telegram, joining the alert when the revision is resubmitted;
// at most alert.MaxFiles with the alert's files not marked for removal.
func (s *Server) appReviseFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	al, ok := s.revisable(w, r, v)
	if !ok {
		return
	}
	data, name, ok := readAppFile(w, r)
	if !ok {
		return
	}
	fields, err := s.revisionFields(r, v, al)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, err := s.revisionFiles(r, v, al, fields)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p := uploadProblem(len(data), files.kept()); p != nil {
		s.appFormFor(w, r, v, al, fields, map[string][]alert.Problem{"": {*p}})
		return
	}
	f := &store.AppFile{MemberID: v.member.ID, Name: name, ContentType: http.DetectContentType(data), CreatedAt: s.o.Now()}
	if err := store.InsertRevisionFile(ctx, s.o.Store.DB, f, al.ID, data); err != nil {
		s.fail(w, r, err)
		return
	}
	s.appFormFor(w, r, v, al, fields, nil)
}

// appReviseSubmit checks the revised form as appSubmit checks a new one and resubmits the
// alert, the same reference's next revision, through the chat's own resubmission
// (submission.Resubmit), with the files the form left: the chat's attachments not removed go
// in its content, the server's files removed are deleted and those uploaded join it. Refused,
// the form is kept as the revision's draft.
func (s *Server) appReviseSubmit(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	al, ok := s.revisable(w, r, v)
	if !ok {
		return
	}
	fields := reviseValues(r)
	c, problems := s.parseFields(s.writtenIn(v), fields)
	if len(problems) == 0 {
		if ps := alerttext.LengthProblems(s.o.I18n, s.o.I18n.Languages(), &c); len(ps) > 0 {
			problems = map[string][]alert.Problem{"text": ps}
		}
	}
	files, err := s.revisionFiles(r, v, al, fields)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n := files.kept(); n > alert.MaxFiles {
		problems[""] = append(problems[""], alert.Problem{ID: "alert_err_too_many_files", Data: map[string]any{"Max": alert.MaxFiles}})
	}
	if len(problems) > 0 {
		if err := store.SaveRevisionDraft(ctx, s.o.Store.DB, v.member.ID, al.ID, fields, s.o.Now()); err != nil {
			s.fail(w, r, err)
			return
		}
		s.appFormFor(w, r, v, al, fields, problems)
		return
	}
	c.Attachments = files.attachments(al)
	var done *store.Alert
	err = s.o.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		done, err = submission.Resubmit(ctx, tx, al.ID, v.member.ID, c, submission.Files{Remove: files.removed(), Attach: true}, s.o.Now())
		return err
	})
	if isNotFound(err) { // returned no longer: decided or resubmitted meanwhile
		s.appPage(w, r, v, al, "alert_not_returned", map[string]any{"Ref": al.Ref})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Log.Info("alert revised in the mini app", "ref", done.Ref, "revision", done.Revision, "member_id", v.member.ID)
	s.render(w, r, http.StatusOK, "message", v.lang, nil, map[string]any{"Message": "alert_submitted", "Ref": done.Ref,
		"Zone": v.member.Zone()})
}

// removeField is the revise form's checkboxes of the files to remove, by key: "a<i>" the
// alert's attachment i (sent in the chat), "m<id>" a file kept by the server (the alert's, or
// uploaded on the revision's draft). The revision's draft keeps them with the fields, space
// separated.
const removeField = "remove"

// reviseValues reads the revise form: its fields as formValues reads them, and the files marked
// for removal.
func reviseValues(r *http.Request) map[string]string {
	out := formValues(r)
	var keys []string
	for _, k := range r.PostForm[removeField] {
		if k = strings.TrimSpace(k); k != "" && !strings.ContainsAny(k, " \t\n") && !containsString(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		out[removeField] = strings.Join(keys, " ")
	}
	return out
}

// revisionFile is a file of a revision as the form lists it.
type revisionFile struct {
	Key, Name string
	Removed   bool
	chat      int   // the alert's attachment (sent in the chat), or -1
	id        int64 // the file kept by the server (app_files), or 0
}

type revisionFiles []revisionFile

// revisionFiles lists a revision's files: the alert's attachments sent in the chat, its files
// kept by the server, then those uploaded on the revision's draft; each marked removed as
// fields say.
func (s *Server) revisionFiles(r *http.Request, v *appViewer, al *store.Alert, fields map[string]string) (revisionFiles, error) {
	ctx := r.Context()
	removed := strings.Fields(fields[removeField])
	var out revisionFiles
	for i, att := range al.Content.Attachments {
		name := att.Name
		if name == "" {
			name = plainText(s.o.I18n.T(v.lang, "console_file_"+att.Kind, nil))
		}
		key := "a" + strconv.Itoa(i)
		out = append(out, revisionFile{Key: key, Name: name, Removed: containsString(removed, key), chat: i})
	}
	kept, err := store.AlertAppFiles(ctx, s.o.Store.DB, al.ID)
	if err != nil {
		return nil, err
	}
	added, err := store.RevisionAppFiles(ctx, s.o.Store.DB, v.member.ID, al.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range append(kept, added...) {
		key := "m" + strconv.FormatInt(f.ID, 10)
		out = append(out, revisionFile{Key: key, Name: f.Name, Removed: containsString(removed, key), chat: -1, id: f.ID})
	}
	return out, nil
}

// kept counts the files not marked for removal.
func (fs revisionFiles) kept() int {
	n := 0
	for _, f := range fs {
		if !f.Removed {
			n++
		}
	}
	return n
}

// attachments are al's attachments sent in the chat that the revision keeps, in their order.
func (fs revisionFiles) attachments(al *store.Alert) []alert.Attachment {
	var out []alert.Attachment
	for _, f := range fs {
		if f.chat >= 0 && !f.Removed {
			out = append(out, al.Content.Attachments[f.chat])
		}
	}
	return out
}

// removed are the files kept by the server that the revision removes.
func (fs revisionFiles) removed() []int64 {
	var out []int64
	for _, f := range fs {
		if f.id != 0 && f.Removed {
			out = append(out, f.id)
		}
	}
	return out
}

// writtenIn is the language a member writes in (a Kazakh officer writes Kazakh even where we
// speak Russian to them), as in the chat.
func (s *Server) writtenIn(v *appViewer) string {
	if v.member.Language != "" {
		return v.member.Language
	}
	return v.lang
}

// appForm draws the form with its values and problems.
func (s *Server) appForm(w http.ResponseWriter, r *http.Request, v *appViewer, values map[string]string, problems map[string][]alert.Problem) {
	s.appFormFor(w, r, v, nil, values, problems)
}

// appFormFor draws the form, for a new alert (al nil) or for revising the returned alert al.
func (s *Server) appFormFor(w http.ResponseWriter, r *http.Request, v *appViewer, al *store.Alert, values map[string]string, problems map[string][]alert.Problem) {
	lang := v.lang
	msg := func(p alert.Problem) template.HTML {
		return template.HTML(alerttext.ProblemMessage(s.o.I18n, lang, p))
	}
	var fields []formField
	for _, f := range alert.FormFields {
		ff := formField{Name: f, Label: plainText(s.o.I18n.T(lang, alert.LabelID(f), nil)), Value: values[f], Kind: "text"}
		switch {
		case formVocabs[f] != nil:
			ff.Kind = "select"
			for _, name := range formVocabs[f].Names(s.o.I18n, lang) {
				ff.Options = append(ff.Options, formOption{Value: name, Selected: name == values[f]})
			}
		case f == "risks":
			ff.Kind = "checks"
			chosen := strings.Split(values[f], ", ")
			for _, name := range alert.Risks.Names(s.o.I18n, lang) {
				ff.Options = append(ff.Options, formOption{Value: name, Selected: containsString(chosen, name)})
			}
		case f == "drill":
			ff.Kind = "check"
		case f == "text":
			ff.Kind = "textarea"
		}
		for _, p := range problems[f] {
			ff.Problems = append(ff.Problems, msg(p))
		}
		fields = append(fields, ff)
	}
	var general []template.HTML
	for _, p := range problems[""] {
		general = append(general, msg(p))
	}
	data := map[string]any{"Fields": fields, "Problems": general, "CSRF": v.csrf, "Zone": v.member.Zone(), "MaxFiles": alert.MaxFiles}
	if al != nil {
		data["Revise"] = al.Ref
		files, err := s.revisionFiles(r, v, al, values)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Files"] = files
	} else {
		files, err := store.DraftAppFiles(r.Context(), s.o.Store.DB, v.member.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Files"] = files
	}
	s.render(w, r, http.StatusOK, "appform", lang, nil, data)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AppDraftTTL is how long an untouched Mini App draft, and the files on it, are kept.
const AppDraftTTL = 30 * 24 * time.Hour

// MaxAppFile is the largest file the Mini App takes (Telegram's own limit for bots' downloads).
const MaxAppFile = 20 << 20

// appFile uploads a file to the member's draft: kept by the server in the database, never
// sent to Telegram; at most alert.MaxFiles per alert.
func (s *Server) appFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	data, name, ok := readAppFile(w, r)
	if !ok {
		return
	}
	fields, err := store.AppDraft(ctx, s.o.Store.DB, v.member.ID)
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return
	}
	have, err := store.DraftAppFiles(ctx, s.o.Store.DB, v.member.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p := uploadProblem(len(data), len(have)); p != nil {
		s.appForm(w, r, v, fields, map[string][]alert.Problem{"": {*p}})
		return
	}
	f := &store.AppFile{MemberID: v.member.ID, Name: name, ContentType: http.DetectContentType(data), CreatedAt: s.o.Now()}
	if err := store.InsertAppFile(ctx, s.o.Store.DB, f, data); err != nil {
		s.fail(w, r, err)
		return
	}
	s.appForm(w, r, v, fields, nil)
}

// readAppFile reads the file posted to the form (field "file"), up to one byte over
// MaxAppFile; without one it answers 400 (ok false).
func readAppFile(w http.ResponseWriter, r *http.Request) (data []byte, name string, ok bool) {
	file, head, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return nil, "", false
	}
	defer file.Close()
	if data, err = io.ReadAll(io.LimitReader(file, MaxAppFile+1)); err != nil {
		http.Error(w, "file not read", http.StatusBadRequest)
		return nil, "", false
	}
	return data, path.Base(head.Filename), true
}

// uploadProblem refuses a file of size bytes on a form that has files already: empty or over
// MaxAppFile, or one too many.
func uploadProblem(size, files int) *alert.Problem {
	switch {
	case size > MaxAppFile || size == 0:
		return &alert.Problem{ID: "console_app_file_size", Data: map[string]any{"Max": MaxAppFile >> 20}}
	case files >= alert.MaxFiles:
		return &alert.Problem{ID: "alert_err_too_many_files", Data: map[string]any{"Max": alert.MaxFiles}}
	}
	return nil
}

// appFileRemove takes a file off the member's draft of a new alert, before it is submitted:
// the form comes back without it. A file that is not on the member's draft (another member's,
// or one already submitted) leaves everything as it was, and the form says nothing of it.
func (s *Server) appFileRemove(w http.ResponseWriter, r *http.Request, v *appViewer) {
	ctx := r.Context()
	if !canSubmit(v.member) {
		s.refuse(w, r, http.StatusForbidden, "console_app_refused")
		return
	}
	if id, err := strconv.ParseInt(r.PathValue("id"), 10, 64); err == nil {
		if err := store.DeleteDraftAppFile(ctx, s.o.Store.DB, v.member.ID, id); err != nil && !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
	}
	fields, err := store.AppDraft(ctx, s.o.Store.DB, v.member.ID)
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return
	}
	s.appForm(w, r, v, fields, nil)
}

// appAlertFile serves a file of an alert, or of one of its follow-ups (followupAppFile), to
// whoever may see the alert (the same check as its page), as a download.
func (s *Server) appAlertFile(w http.ResponseWriter, r *http.Request, v *appViewer) {
	al, ok := s.appAlert(w, r, v)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.appNotFound(w, r, v)
		return
	}
	f, data, err := store.AlertAppFileData(r.Context(), s.o.Store.DB, al.ID, id)
	if isNotFound(err) { // not the alert's own: perhaps a follow-up's
		f, data, err = s.followupAppFile(r.Context(), v, al, id)
	}
	if err != nil {
		if !isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.appNotFound(w, r, v)
		return
	}
	after := map[string]any{"file_id": f.ID}
	if f.FollowupID != nil {
		after["followup"] = *f.FollowupID
	}
	if err := store.Audit(r.Context(), s.o.Store.DB, store.AuditEntry{ActorID: &v.member.ID, Action: "app_file_download",
		SubjectID: &al.ID, After: after}); err != nil {
		s.o.Log.Error("mini app download not audited", "member_id", v.member.ID, "err", err)
	}
	writeAppFile(w, f, data)
}
