package telegramtest

import (
	"bytes"
	"encoding/json"
	"net"
	"net/url"
)

// Button is one inline keyboard button as the bot sent it.
type Button struct {
	Text         string
	CallbackData string
	URL          string
	WebAppURL    string          // a web_app button's page (a Mini App)
	raw          json.RawMessage // echoed back in results, as Telegram echoes the markup
}

// buttonActions are the optional fields of InlineKeyboardButton of which
// the Bot API requires exactly one.
var buttonActions = []string{
	"url", "callback_data", "web_app", "login_url",
	"switch_inline_query", "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

const maxKeyboardButtons = 100

// parseReplyMarkup validates reply_markup the way Telegram does for the
// cases the project can get wrong. Reply keyboards, keyboard removal and
// force_reply are accepted without being modelled.
func parseReplyMarkup(s string) ([][]Button, *apiError) {
	if s == "" {
		return nil, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	raw, ok := top["inline_keyboard"]
	if !ok {
		if _, ok := top["keyboard"]; ok {
			return nil, nil
		}
		if _, ok := top["remove_keyboard"]; ok {
			return nil, nil
		}
		if _, ok := top["force_reply"]; ok {
			return nil, nil
		}
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, badRequest("can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays")
	}
	total := 0
	kb := make([][]Button, 0, len(rows))
	for _, row := range rows {
		out := make([]Button, 0, len(row))
		for _, b := range row {
			total++
			if total > maxKeyboardButtons {
				return nil, badRequest("reply markup is too long")
			}
			btn, e := parseButton(b)
			if e != nil {
				return nil, e
			}
			out = append(out, btn)
		}
		kb = append(kb, out)
	}
	return kb, nil
}

func parseButton(b json.RawMessage) (Button, *apiError) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return Button{}, badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
	}
	var btn Button
	if err := json.Unmarshal(fields["text"], &btn.Text); err != nil || btn.Text == "" {
		return Button{}, badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	actions := 0
	for _, name := range buttonActions {
		v, ok := fields[name]
		if !ok || bytes.Equal(v, []byte("null")) {
			continue
		}
		if name == "pay" && !bytes.Equal(v, []byte("true")) {
			continue
		}
		actions++
	}
	switch {
	case actions == 0:
		return Button{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case actions > 1:
		// go-telegram/bot's InlineKeyboardButton lands here with its
		// always-present "copy_text":{"text":""}.
		return Button{}, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
	}
	if v, ok := fields["callback_data"]; ok {
		if err := json.Unmarshal(v, &btn.CallbackData); err != nil || btn.CallbackData == "" || len(btn.CallbackData) > 64 {
			return Button{}, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if v, ok := fields["url"]; ok {
		if err := json.Unmarshal(v, &btn.URL); err != nil || !validButtonURL(btn.URL) {
			return Button{}, badRequest("BUTTON_URL_INVALID")
		}
	}
	if v, ok := fields["web_app"]; ok {
		var wa struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(v, &wa); err != nil || !validWebAppURL(wa.URL) {
			return Button{}, badRequest("BUTTON_URL_INVALID")
		}
		btn.WebAppURL = wa.URL
	}
	if v, ok := fields["copy_text"]; ok {
		var ct struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(v, &ct); err != nil || ct.Text == "" || len([]rune(ct.Text)) > 256 {
			return Button{}, badRequest("can't parse inline keyboard button: copy_text.text must be 1-256 characters")
		}
	}
	btn.raw = append(json.RawMessage(nil), b...)
	return btn, nil
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg", "ton":
		return true
	}
	return false
}

// validWebAppURL: Telegram opens Mini Apps over https only; the emulator also takes http on
// the loopback interface, where the tests and the sandbox serve them.
func validWebAppURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

func keyboardsEqual(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			x, y := a[i][j], b[i][j]
			if x.Text != y.Text || x.CallbackData != y.CallbackData || x.URL != y.URL || x.WebAppURL != y.WebAppURL || !bytes.Equal(x.raw, y.raw) {
				return false
			}
		}
	}
	return true
}

func wireKeyboard(kb [][]Button) *wireMarkup {
	if len(kb) == 0 {
		return nil
	}
	rows := make([][]json.RawMessage, len(kb))
	for i, row := range kb {
		rows[i] = make([]json.RawMessage, len(row))
		for j, b := range row {
			if b.raw != nil {
				rows[i][j] = b.raw
				continue
			}
			rows[i][j], _ = json.Marshal(struct {
				Text         string `json:"text"`
				URL          string `json:"url,omitempty"`
				CallbackData string `json:"callback_data,omitempty"`
			}{b.Text, b.URL, b.CallbackData})
		}
	}
	return &wireMarkup{InlineKeyboard: rows}
}
