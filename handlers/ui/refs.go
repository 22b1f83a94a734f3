package ui

import "focalbot/bot/alert"

// NormaliseRef turns a typed reference of the given prefix ("RFI", "ALR") into the stored
// form PREFIX-YYYY-NNNNNN, or reports false when the text is not one (alert.NormaliseRef,
// the rule the Mini App's forms share).
func NormaliseRef(prefix, s string) (string, bool) { return alert.NormaliseRef(prefix, s) }
