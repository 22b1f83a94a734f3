package alert

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// refShape is a reference as people type it: any case, the number with or without its
// leading zeros ("rfi-2026-1", "ALR-2026-000007").
var refShape = regexp.MustCompile(`^([A-Z]+)-(\d{4})-(\d{1,6})$`)

// NormaliseRef turns a typed reference of the given prefix ("RFI", "ALR") into the stored
// form PREFIX-YYYY-NNNNNN: upper case, the number padded to six digits. It reports false when
// the text is not a reference of that prefix, so the caller can say so instead of looking up
// something that cannot exist. The one helper serves every command that takes a reference
// (through handlers/ui.NormaliseRef) and the Mini App's forms, so /request, /alert, /ask and
// the request form accept the same spellings.
func NormaliseRef(prefix, s string) (string, bool) {
	m := refShape.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil || m[1] != prefix {
		return "", false
	}
	n, err := strconv.Atoi(m[3])
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%s-%s-%06d", prefix, m[2], n), true
}
