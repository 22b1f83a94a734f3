package alert

import (
	"strconv"
	"strings"
	"unicode"
)

// Kinds of identifiers of a consignment.
const (
	KindContainer = "container" // ISO 6346
	KindSeal      = "seal"
	KindIMO       = "imo"   // IMO ship number
	KindBL        = "bl"    // bill of lading or air waybill
	KindPlate     = "plate" // vehicle registration plate
	KindWagon     = "wagon" // rail wagon number
)

// Identifier is one identifier as the author typed it, and its normalized form for searching
// and linking ("MSCU 123456-5" and "mscu1234565" are the same container).
type Identifier struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Norm  string `json:"norm"`
}

// Problem is something wrong with what a person typed: a message ID and its arguments,
// translated where it is shown, and the line of a pasted form it was found on (0 for none).
type Problem struct {
	Line  int            `json:"line,omitempty"`
	ID    string         `json:"id"`
	Data  map[string]any `json:"data,omitempty"`
	Field string         `json:"field,omitempty"` // message ID of the field's label, given to the text as .Field
	Vocab *Vocabulary    `json:"-"`               // the list a word was not found in, given as .Accepted
	// Choices are the LOCODEs of the places a name may mean (alert_err_place_ambiguous), to be
	// offered as buttons where there are buttons.
	Choices []string `json:"choices,omitempty"`
}

func (p Problem) Error() string { return p.ID }

// Limits that keep an alert within one Telegram message (4096 characters) in any language.
const (
	MaxIdentLen   = 30
	MaxIdents     = 20 // of all kinds together
	MaxPlaces     = 10
	MaxShortText  = 300 // goods, quantity
	MaxText       = 2000
	MaxFiles      = 10 // attachments of an alert or of one follow-up
	MaxCaptionLen = 900
)

// ParseIdentifier checks one identifier of a kind and returns it normalized. The Value keeps
// what was typed (trimmed): identifiers are shown as typed, never translated.
func ParseIdentifier(kind, typed string) (Identifier, *Problem) {
	v := strings.Join(strings.Fields(typed), " ")
	id := Identifier{Kind: kind, Value: v}
	if v == "" {
		return id, &Problem{ID: "alert_err_empty"}
	}
	if len([]rune(v)) > MaxIdentLen {
		return id, &Problem{ID: "alert_err_ident_long", Data: map[string]any{"Value": v, "Max": MaxIdentLen}}
	}
	norm := Normalize(v)
	id.Norm = norm
	var p *Problem
	switch kind {
	case KindContainer:
		p = checkContainer(v, norm)
	case KindIMO:
		id.Norm = strings.TrimPrefix(norm, "IMO")
		p = checkIMO(v, id.Norm)
	case KindSeal:
		p = checkLength(v, norm, 4, 20, "alert_err_seal")
	case KindBL:
		p = checkBL(v, norm)
	case KindPlate:
		p = checkPlate(v, norm)
	case KindWagon:
		p = checkWagon(v, norm)
	default:
		p = &Problem{ID: "alert_err_ident_kind"}
	}
	return id, p
}

// Normalize keeps letters and digits, upper case: spaces, dashes and dots are how people group
// digits, not part of the number.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// containerLetter is the ISO 6346 value of each letter: A=10 upwards, skipping multiples of 11.
var containerLetter = func() map[byte]int {
	m := map[byte]int{}
	v := 10
	for c := byte('A'); c <= 'Z'; c++ {
		if v%11 == 0 {
			v++
		}
		m[c] = v
		v++
	}
	return m
}()

// ContainerCheckDigit computes the ISO 6346 check digit of the first ten characters (owner
// code, category identifier, serial number).
func ContainerCheckDigit(first10 string) int {
	sum := 0
	for i := 0; i < 10; i++ {
		c := first10[i]
		var v int
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		} else {
			v = containerLetter[c]
		}
		sum += v << i
	}
	return sum % 11 % 10
}

func checkContainer(typed, n string) *Problem {
	ok := len(n) == 11
	for i := 0; ok && i < 11; i++ {
		c := n[i]
		switch {
		case i < 3:
			ok = c >= 'A' && c <= 'Z'
		case i == 3:
			ok = c == 'U' || c == 'J' || c == 'Z' // freight containers, detachable equipment, trailers
		default:
			ok = c >= '0' && c <= '9'
		}
	}
	if !ok {
		return &Problem{ID: "alert_err_container_format", Data: map[string]any{"Value": typed}}
	}
	if want := ContainerCheckDigit(n); int(n[10]-'0') != want {
		return &Problem{ID: "alert_err_container_check", Data: map[string]any{"Value": typed, "Expected": strconv.Itoa(want)}}
	}
	return nil
}

// IMOCheckDigit computes the check digit of the first six digits of an IMO ship number.
func IMOCheckDigit(first6 string) int {
	sum := 0
	for i := 0; i < 6; i++ {
		sum += int(first6[i]-'0') * (7 - i)
	}
	return sum % 10
}

func checkIMO(typed, n string) *Problem {
	if len(n) != 7 || !allDigits(n) {
		return &Problem{ID: "alert_err_imo_format", Data: map[string]any{"Value": typed}}
	}
	if want := IMOCheckDigit(n); int(n[6]-'0') != want {
		return &Problem{ID: "alert_err_imo_check", Data: map[string]any{"Value": typed, "Expected": strconv.Itoa(want)}}
	}
	return nil
}

// checkBL accepts an air waybill (3-digit airline prefix and 8 digits whose last is the first
// seven modulo 7) or a bill of lading (5 to 20 letters and digits, with a digit).
func checkBL(typed, n string) *Problem {
	if len(n) == 11 && allDigits(n) {
		serial, _ := strconv.Atoi(n[3:10])
		if want := serial % 7; int(n[10]-'0') != want {
			return &Problem{ID: "alert_err_awb_check", Data: map[string]any{"Value": typed, "Expected": strconv.Itoa(want)}}
		}
		return nil
	}
	if p := checkLength(typed, n, 5, 20, "alert_err_bl"); p != nil {
		return p
	}
	if !hasDigit(n) {
		return &Problem{ID: "alert_err_bl", Data: map[string]any{"Value": typed}}
	}
	return nil
}

// checkPlate accepts 2 to 12 letters (Latin or Cyrillic) and digits with at least one digit:
// plate formats differ by country, so only the shape is checked.
func checkPlate(typed, n string) *Problem {
	if p := checkLength(typed, n, 2, 12, "alert_err_plate"); p != nil {
		return p
	}
	if !hasDigit(n) {
		return &Problem{ID: "alert_err_plate", Data: map[string]any{"Value": typed}}
	}
	return nil
}

// WagonCheckDigit computes the check digit of a wagon number (the 8-digit numbers of the
// 1520 mm network and the 12-digit UIC numbers use the same rule): digits weighted 2,1,2,1,…
// from the left of the number without its check digit, the digits of the products summed,
// and the check digit brings the sum to a multiple of ten.
func WagonCheckDigit(body string) int {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[i]-'0') * (2 - i%2)
		sum += d/10 + d%10
	}
	return (10 - sum%10) % 10
}

func checkWagon(typed, n string) *Problem {
	if (len(n) != 8 && len(n) != 12) || !allDigits(n) {
		return &Problem{ID: "alert_err_wagon_format", Data: map[string]any{"Value": typed}}
	}
	if want := WagonCheckDigit(n[:len(n)-1]); int(n[len(n)-1]-'0') != want {
		return &Problem{ID: "alert_err_wagon_check", Data: map[string]any{"Value": typed, "Expected": strconv.Itoa(want)}}
	}
	return nil
}

func checkLength(typed, n string, lo, hi int, id string) *Problem {
	if l := len([]rune(n)); l < lo || l > hi {
		return &Problem{ID: id, Data: map[string]any{"Value": typed}}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// separators part several values on a line: the Latin comma and semicolon, and the Arabic
// comma and semicolon that Urdu, Pashto and Dari keyboards type.
const separators = ",;\n،؛"

// SplitValues splits a line holding several identifiers: commas, semicolons and new lines
// separate them (not spaces: plates and B/L numbers may contain spaces).
func SplitValues(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(separators, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
