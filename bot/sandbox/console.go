package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

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

// miniAppTheme is the theme the overlay gives Mini Apps, as Telegram gives its colours.
var miniAppTheme = map[string]string{"bg_color": "#ffffff", "text_color": "#1d2733", "hint_color": "#707579",
	"link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#f1f1f4"}

// apiWebApp opens a web_app button as Telegram would for the persona: the page's address with
// Telegram's launch parameters in its fragment, initData signed by the emulator with the bot's
// token at the bot's clock.
//
//	POST /api/chats/{id}/webapp {"url": "http://127.0.0.1:…/app/alerts/ALR-…"}  {"src": "…#tgWebAppData=…"}
func (s *Sandbox) apiWebApp(w http.ResponseWriter, r *http.Request) {
	p, ok := s.persona(w, r)
	if !ok {
		return
	}
	var body struct {
		URL string `json:"url"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	base := s.App.ConsoleURL()
	if base == "" || !strings.HasPrefix(body.URL, base+"/app/") {
		writeError(w, http.StatusBadRequest, "not a Mini App of this bot")
		return
	}
	theme, _ := json.Marshal(miniAppTheme)
	frag := url.Values{"tgWebAppData": {s.users[p.UserID].InitData(s.App.Clock.Now())}, "tgWebAppVersion": {"8.0"},
		"tgWebAppPlatform": {"web"}, "tgWebAppThemeParams": {string(theme)}}
	writeJSON(w, map[string]string{"src": body.URL + "#" + frag.Encode()})
}
