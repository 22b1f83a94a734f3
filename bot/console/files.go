package console

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"

	tg "github.com/go-telegram/bot"

	"focalbot/bot/store"
)

// maxFile is the largest file the Bot API lets a bot download (20 MB); the proxy copies no more.
const maxFile = 20 << 20

// proxyFile downloads a file from Telegram by the bot's file_id (getFile, then the file's URL)
// and passes it on as a download. The file is not kept: it goes from Telegram to the browser.
// The download is audited like an export, as actor's. The console and the Mini App use it.
func (s *Server) proxyFile(w http.ResponseWriter, r *http.Request, actor *store.Member, fileID, name, ref string) {
	ctx := r.Context()
	if s.o.TG == nil {
		http.NotFound(w, r)
		return
	}
	f, err := s.o.TG.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
	if err != nil {
		s.fail(w, r, fmt.Errorf("getFile: %w", err))
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.o.TG.FileDownloadLink(f), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.o.HTTPClient.Do(req)
	if err != nil {
		s.fail(w, r, fmt.Errorf("file download: %w", err))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.fail(w, r, fmt.Errorf("file download: HTTP %d", resp.StatusCode))
		return
	}
	if name == "" {
		name = path.Base(f.FilePath)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	err = store.Audit(ctx, s.o.Store.DB, store.AuditEntry{ActorID: &actor.ID, Action: "console_download",
		After: map[string]any{"ref": ref, "file": name}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if resp.ContentLength > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(min(resp.ContentLength, maxFile), 10))
	}
	_, _ = io.Copy(w, io.LimitReader(resp.Body, maxFile))
}
