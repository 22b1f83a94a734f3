package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// MaxCallbackData is how long Telegram lets a button's callback data be, in bytes.
const MaxCallbackData = 64

// Callback data is one codec for every feature: "verb:id:action:arg…", fields separated by
// colons, the verb first. Each feature declares its verbs as constants and uses them both
// where it registers the handler (App.Callback) and where it builds the button (CB), so that
// a verb is written once. Data is short and opaque; a handler re-checks who pressed and the
// object's state, since data can be forged.

// CB builds callback data from a verb and its fields (strings, integers or anything fmt
// prints). It panics when the data is longer than Telegram accepts, or a field holds a colon:
// both are programming errors, caught by the tests that build the button.
func CB(verb string, fields ...any) string {
	var b strings.Builder
	b.WriteString(verb)
	for _, f := range fields {
		var s string
		switch v := f.(type) {
		case string:
			s = v
		case int:
			s = strconv.Itoa(v)
		case int64:
			s = strconv.FormatInt(v, 10)
		default:
			s = fmt.Sprint(v)
		}
		if strings.Contains(s, ":") {
			panic(fmt.Sprintf("callback field %q of %s holds a colon", s, verb))
		}
		b.WriteByte(':')
		b.WriteString(s)
	}
	if b.Len() > MaxCallbackData {
		panic(fmt.Sprintf("callback data %q is %d bytes, over Telegram's %d", b.String(), b.Len(), MaxCallbackData))
	}
	return b.String()
}

// Data is parsed callback data: the verb and the fields after it.
type Data struct {
	Verb   string
	Fields []string
}

// ParseData splits callback data into its verb and fields.
func ParseData(s string) Data {
	parts := strings.Split(s, ":")
	return Data{Verb: parts[0], Fields: parts[1:]}
}

// Arg is field i, "" when there is none.
func (d Data) Arg(i int) string {
	if i < 0 || i >= len(d.Fields) {
		return ""
	}
	return d.Fields[i]
}

// ID reads field i as an ID; a missing, forged or damaged one reads as 0 (no such thing).
func (d Data) ID(i int) int64 {
	n, err := strconv.ParseInt(d.Arg(i), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Int reads field i as a non-negative number, ok false when it is not one.
func (d Data) Int(i int) (int, bool) {
	n, err := strconv.Atoi(d.Arg(i))
	return n, err == nil && n >= 0
}

// Rest is the fields from i on, joined again with colons ("" when there are none).
func (d Data) Rest(i int) string {
	if i >= len(d.Fields) {
		return ""
	}
	return strings.Join(d.Fields[i:], ":")
}

// Parts is the verb and the fields, as one list.
func (d Data) Parts() []string { return append([]string{d.Verb}, d.Fields...) }

// Data is the parsed data of the pressed button (empty for other updates).
func (r *Request) Data() Data { return ParseData(r.CallbackData()) }

// Stale is the one answer to a button that no longer does anything — of an earlier step, a
// finished conversation, a decided or withdrawn object: a short toast, and the keyboard of
// the message it was on removed, so it is not pressed again. It returns nil, for handlers to
// return it.
func (r *Request) Stale(ctx context.Context) error {
	r.Answer(ctx, "button_stale", nil)
	q := r.Update.CallbackQuery
	if q == nil || q.Message.Message == nil || q.Message.Message.ID == r.PanelID() {
		return nil // the conversation's live panel keeps its buttons (a forged press on it)
	}
	if err := r.App.EditMarkup(ctx, r.ChatID, q.Message.Message.ID, nil); err != nil {
		r.App.Log.Warn("stale keyboard not removed", "chat_id", r.ChatID, "err", err)
	}
	return nil
}
