package telegramtest

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
)

// Files: getFile answers a file_id the emulator handed out with a file_path, and
// GET /file/bot<token>/<file_path> serves the file's bytes, as Telegram's file server does.
// The bytes are made up (the emulator keeps no uploads): a line naming the file.

type wireFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int64  `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// baseFileID maps a photo's smaller sizes ("…-s", "…-m") to the photo.
func baseFileID(id string) string {
	return strings.TrimSuffix(strings.TrimSuffix(id, "-s"), "-m")
}

func handleGetFile(s *Server, _ context.Context, q *request) (any, *apiError) {
	id := q.str("file_id")
	s.mu.Lock()
	f, ok := s.files[baseFileID(id)]
	s.mu.Unlock()
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	return wireFile{FileID: id, FileUniqueID: f.unique, FileSize: int64(len(fileBytes(id, f))), FilePath: filePath(id, f)}, nil
}

func filePath(id string, f fileInfo) string {
	if f.kind == "photo" {
		return "photos/" + id + ".jpg"
	}
	name := f.name
	if name == "" {
		name = "file"
	}
	return "documents/" + id + "/" + name
}

func fileBytes(id string, f fileInfo) []byte {
	return []byte(fmt.Sprintf("telegramtest %s %s %s\n", f.kind, id, f.name))
}

// serveFile answers GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	token, p, ok := strings.Cut(rest, "/")
	if !ok || token != s.cfg.token {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	var id string
	switch {
	case strings.HasPrefix(p, "photos/"):
		id = strings.TrimSuffix(path.Base(p), ".jpg")
	case strings.HasPrefix(p, "documents/"):
		id, _, _ = strings.Cut(strings.TrimPrefix(p, "documents/"), "/")
	}
	s.mu.Lock()
	f, known := s.files[baseFileID(id)]
	s.mu.Unlock()
	if !known || filePath(id, f) != p {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(fileBytes(id, f))
}
