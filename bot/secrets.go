package bot

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/go-telegram/bot/models"

	"focalbot/bot/store"
)

// storedPayload is what the inbox keeps of an update: the update as Telegram sent it, except
// that the argument of /start (an invitation code) is replaced by store.SecretMarker, so that
// a copy of the database yields no working invitation. The handler gets the update as sent;
// one reloaded from the inbox after a crash gets the marker, which /start answers as a /start
// without a code (the person opens the link again).
func storedPayload(raw json.RawMessage, u *models.Update) json.RawMessage {
	key, text := "", ""
	switch {
	case u.Message != nil:
		key, text = "message", u.Message.Text
	case u.EditedMessage != nil:
		key, text = "edited_message", u.EditedMessage.Text
	}
	redacted, ok := redactStart(text)
	if !ok {
		return raw
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // IDs beyond 2^53 stay exact
	if err := dec.Decode(&doc); err != nil {
		return raw
	}
	msg, ok := doc[key].(map[string]any)
	if !ok {
		return raw
	}
	msg["text"] = redacted
	out, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return out
}

// redactStart returns text with the argument of a /start command replaced by the marker, and
// whether there was one to replace.
func redactStart(text string) (string, bool) {
	if !strings.HasPrefix(text, "/start") {
		return text, false
	}
	cmd, arg, found := strings.Cut(text, " ")
	name, _, _ := strings.Cut(cmd, "@")
	if !found || name != "/start" || strings.TrimSpace(arg) == "" {
		return text, false
	}
	return cmd + " " + store.SecretMarker, true
}
