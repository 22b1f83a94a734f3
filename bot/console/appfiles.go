package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"

	"focalbot/bot/alert"
	"focalbot/bot/alert/submission"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// Files sent with a request for information, a reply or an answer in the Mini App
// (CONFIDENTIAL_CONTENT): posted with the form they belong to (multipart, the same request,
// the same initData and CSRF check), checked all together before anything is created, and
// stored by the server in app_files with the thread's message, in its transaction (rfi.File
// with Upload) — never sent to Telegram. They are downloaded by whoever may open the request.
// A follow-up's files go the same way (submission.Upload, stored with the follow-up), and are
// downloaded by whoever reads the follow-up on the alert's page.

// appUploadBody bounds the body of a form that may carry files: the most files one message
// takes at the largest size, and a megabyte for the fields.
const appUploadBody = rfi.MaxFiles*MaxAppFile + 1<<20

// appFollowupBody bounds the body of a follow-up of an alert, which may carry files: the most
// files one follow-up takes at the largest size, and a megabyte for the fields.
const appFollowupBody = alert.MaxFiles*MaxAppFile + 1<<20

// appFileBody bounds the body of the alert draft's upload: one file and its fields.
const appFileBody = MaxAppFile + 1<<20

// formBody bounds the body of every other form the server reads (sign-in, the console's
// changes, the Mini App's pages and changes): text fields only.
const formBody = 1 << 20

// appUploadMemory is how much of a form's files is held in memory while it is read; the rest
// waits in temporary files, removed when the request ends.
const appUploadMemory = 8 << 20

// uploads reads a form that may carry files, its body bounded by limit, before the checks of
// app read its fields. A body over the limit is refused at once (413), as a whole; one that
// is not multipart is read as a plain form. Without it, a form is read within formBody
// (boundedForm): the bound comes before initData is checked, so nobody unknown can make the
// server store a large body.
func (s *Server) uploads(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseMultipartForm(appUploadMemory); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.o.Log.Info("mini app upload refused", "path", r.URL.Path, "limit", tooLarge.Limit)
				s.refuse(w, r, http.StatusRequestEntityTooLarge, "rfi_app_upload_too_large")
				return
			}
			// Not multipart, or malformed: app reads what it can and refuses what it cannot.
		}
		h.ServeHTTP(w, r)
	})
}

// boundedForm bounds the body of a request whose form was not read already (by uploads) to
// formBody: PostFormValue would otherwise read a multipart body of any size into temporary
// files. A larger body then reads as an empty form, which every check refuses.
func boundedForm(w http.ResponseWriter, r *http.Request) {
	if r.Form == nil && r.MultipartForm == nil && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, formBody)
	}
}

// formFiles checks the files of the form's "file" field all together, at most max: it gives
// them, or the refusal (a message ID and its data) when one is empty or too large, or they are
// too many — then nothing is to be created.
func formFiles(r *http.Request, max int) (heads []*multipart.FileHeader, notice string, data map[string]any) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	heads = r.MultipartForm.File["file"]
	if len(heads) > max {
		return nil, "rfi_app_too_many_files", map[string]any{"Max": max}
	}
	for _, head := range heads {
		switch {
		case head.Size == 0:
			return nil, "rfi_app_file_empty", map[string]any{"Name": uploadName(head)}
		case head.Size > MaxAppFile:
			return nil, "rfi_app_file_too_large", map[string]any{"Name": uploadName(head), "Max": MaxAppFile >> 20}
		}
	}
	return heads, "", nil
}

// uploadName is the name an uploaded file is kept under: the last element of the name the
// browser gave.
func uploadName(head *multipart.FileHeader) string { return path.Base(head.Filename) }

// formUploads takes the files of the form's "file" field as uploads for rfi, or the refusal
// (formFiles): then nothing is to be created.
func formUploads(r *http.Request) (files []rfi.File, notice string, data map[string]any) {
	heads, notice, data := formFiles(r, rfi.MaxFiles)
	for _, head := range heads {
		files = append(files, rfi.File{Kind: "document", Name: uploadName(head), Upload: &rfi.Upload{Read: readUpload(head)}})
	}
	return files, notice, data
}

// followupUploads takes the files of a follow-up's form as uploads for submission.Followup,
// at most alert.MaxFiles, or the refusal (formFiles): then nothing is to be created.
func followupUploads(r *http.Request) (files []submission.Upload, notice string, data map[string]any) {
	heads, notice, data := formFiles(r, alert.MaxFiles)
	for _, head := range heads {
		files = append(files, submission.Upload{Name: uploadName(head), Read: readUpload(head)})
	}
	return files, notice, data
}

// readUpload reads an uploaded file's bytes, at most MaxAppFile, and sniffs their type.
func readUpload(head *multipart.FileHeader) func() ([]byte, string, error) {
	return func() ([]byte, string, error) {
		f, err := head.Open()
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxAppFile+1))
		if err != nil {
			return nil, "", err
		}
		if len(data) == 0 || len(data) > MaxAppFile {
			return nil, "", errors.New("upload changed size")
		}
		return data, http.DetectContentType(data), nil
	}
}

// appRequestAppFile serves a file of the request's thread sent from the Mini App (key: its
// app_files ID), to whoever may see the request — x was loaded by appRequest, with its check
// — as a download; every download is audited (app_file_download).
func (s *Server) appRequestAppFile(w http.ResponseWriter, r *http.Request, v *appViewer, x *store.RFI, key string) {
	ctx := r.Context()
	f, data, err := s.rfiAppFile(ctx, x, key)
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.appNotFound(w, r, v)
		return
	}
	if err := store.Audit(ctx, s.o.Store.DB, store.AuditEntry{ActorID: &v.member.ID, Action: "app_file_download",
		SubjectID: &x.ID, After: map[string]any{"ref": x.Ref, "file_id": f.ID}}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeAppFile(w, f, data)
}

// rfiAppFile is the file of request x's thread kept by the server under key (its app_files
// ID), with its bytes; store.ErrNotFound when the thread has no such file or key is no ID.
func (s *Server) rfiAppFile(ctx context.Context, x *store.RFI, key string) (*store.AppFile, []byte, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, nil, fmt.Errorf("file %q of request %s: %w", key, x.Ref, store.ErrNotFound)
	}
	return store.RFIAppFileData(ctx, s.o.Store.DB, x.ID, id)
}

// followupAppFile is a file uploaded with a follow-up of al in the Mini App, with its bytes,
// for a viewer who reads that follow-up on the alert's page (followupVisible);
// store.ErrNotFound for any other, so that it is answered as missing.
func (s *Server) followupAppFile(ctx context.Context, v *appViewer, al *store.Alert, id int64) (*store.AppFile, []byte, error) {
	f, data, err := store.FollowupAppFileData(ctx, s.o.Store.DB, al.ID, id)
	if err != nil {
		return nil, nil, err
	}
	fu, err := store.FollowupByID(ctx, s.o.Store.DB, *f.FollowupID)
	if err != nil {
		return nil, nil, err
	}
	if !followupVisible(v, al, fu) {
		return nil, nil, fmt.Errorf("file %d of follow-up %d: %w", id, fu.ID, store.ErrNotFound)
	}
	return f, data, nil
}

// writeAppFile sends a file kept by the server as a download: application/octet-stream, since
// the type sniffed at upload is not trusted to be shown inline.
func writeAppFile(w http.ResponseWriter, f *store.AppFile, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// requestAppFile serves a file of request x sent from the Mini App on the console (key: its
// app_files ID), audited like the files passed on from Telegram (console_download).
func (s *Server) requestAppFile(w http.ResponseWriter, r *http.Request, v *viewer, x *store.RFI, key string) {
	ctx := r.Context()
	f, data, err := s.rfiAppFile(ctx, x, key)
	if err != nil && !isNotFound(err) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.notFound(w, r, v)
		return
	}
	if err := store.Audit(ctx, s.o.Store.DB, store.AuditEntry{ActorID: &v.member.ID, Action: "console_download",
		SubjectID: &x.ID, After: map[string]any{"ref": x.Ref, "file": f.Name, "file_id": f.ID}}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeAppFile(w, f, data)
}
