// Package broadcast holds the rules of a broadcast's text shared by the chat's /broadcast
// (handlers/broadcast) and the Mini App's page where the text of a confidential broadcast is
// written (bot/console): one check, so that both refuse the same texts with the same message.
package broadcast

import "focalbot/bot/alert"

// Telegram's limits are 4096 characters for a text and 1024 for a caption; the header and the
// language label need the rest.
const (
	MaxText    = 3800
	MaxCaption = 900
)

// CheckText refuses an empty text and one over Telegram's limits (never cut silently): nil, or
// the chat's refusal (bc_empty, bc_too_long with Max and Length).
func CheckText(text string, withFile bool) *alert.Problem {
	if text == "" {
		return &alert.Problem{ID: "bc_empty"}
	}
	limit := MaxText
	if withFile {
		limit = MaxCaption
	}
	if n := alert.UTF16Len(text); n > limit {
		return &alert.Problem{ID: "bc_too_long", Data: map[string]any{"Max": limit, "Length": n}}
	}
	return nil
}
