package sandbox

import (
	"net/http"

	"focalbot/bot/console"
	"focalbot/bot/store"
)

// ConsolePersona is the persona the sandbox page's Console tab signs in as: CARICC's analyst.
const ConsolePersona = 7100001

// apiConsole makes a sign-in link of the analysts' console for the analyst persona, as /console
// in the bot would, and answers its URL (with auto=1: the page signs in at once).
//
//	POST /api/console                  {"url": "http://127.0.0.1:…/signin/…?auto=1"}
func (s *Sandbox) apiConsole(w http.ResponseWriter, r *http.Request) {
	base := s.App.ConsoleURL()
	if base == "" {
		writeError(w, http.StatusServiceUnavailable, "the console is not serving")
		return
	}
	m, err := store.MemberByTelegramID(r.Context(), s.Store.DB, ConsolePersona)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	token, err := console.NewLink(r.Context(), s.Store.DB, m.ID, s.App.Clock.Now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, map[string]string{"url": base + "/signin/" + token + "?auto=1"})
}
