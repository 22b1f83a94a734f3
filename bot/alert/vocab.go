// Package alert is the domain of verified alerts without Telegram in it: the controlled
// vocabularies, the identifier and place validators, the draft content, the pasted-form parser
// and the rendering of an alert in a reader's language. Handlers wire it to the bot.
package alert

import "strings"

// Translator is what rendering and parsing need of the i18n bundle: a message in a language,
// and the list of languages there are (for labels typed in any of them).
type Translator interface {
	T(lang, id string, data map[string]any) string
	Languages() []string
}

// Vocabulary is a controlled list: codes stored in the database, each shown through the
// message ID Prefix+code, so it is translated like every other text.
type Vocabulary struct {
	Name   string // for error messages: which list a word was not found in
	Prefix string
	Codes  []string
}

// ID is the message ID of a code.
func (v Vocabulary) ID(code string) string { return v.Prefix + code }

// Has reports whether code belongs to the list.
func (v Vocabulary) Has(code string) bool {
	for _, c := range v.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// The classifications, after the EU RASFF: what the recipient is expected to do.
const (
	ClassUrgent    = "urgent"    // action needed
	ClassFollowUp  = "followup"  // information for follow-up
	ClassAttention = "attention" // information for attention
	ClassSeizure   = "seizure"   // seizure report
)

// The controlled vocabularies of an alert.
var (
	Classifications = Vocabulary{Name: "classification", Prefix: "alert_class_",
		Codes: []string{ClassUrgent, ClassFollowUp, ClassAttention, ClassSeizure}}
	Conveyances = Vocabulary{Name: "conveyance", Prefix: "alert_conv_",
		Codes: []string{"container", "road", "rail", "air", "postal", "vessel", "other"}}
	Substances = Vocabulary{Name: "substance", Prefix: "alert_subst_",
		Codes: []string{"heroin", "opium", "morphine", "cannabis_resin", "cannabis_herb", "cocaine",
			"methamphetamine", "amphetamine", "synthetic_opioids", "nps", "acetic_anhydride",
			"precursors", "unknown"}}
	Risks = Vocabulary{Name: "risk", Prefix: "alert_risk_",
		Codes: []string{"route_deviation", "false_declaration", "new_consignee", "weight_discrepancy",
			"xray_anomaly", "dog_indication", "relief_cover", "document_anomaly", "seal_tampering",
			"transshipment"}}
	Concealments = Vocabulary{Name: "concealment", Prefix: "alert_conceal_",
		Codes: []string{"false_wall", "false_floor", "within_goods", "packaging", "natural_void",
			"fuel_tank", "reefer_unit", "rip_on", "unknown"}}
	RouteRoles = Vocabulary{Name: "route role", Prefix: "alert_label_",
		Codes: []string{"loading", "transit", "discharge", "destination"}}
	IdentKinds = Vocabulary{Name: "identifier", Prefix: "alert_label_",
		Codes: []string{KindContainer, KindSeal, KindIMO, KindBL, KindPlate, KindWagon}}
)

// Match finds the code a typed word stands for, in any language: the code itself, a
// translation, or the start of a translation ("urgent" for "Urgent alert — action needed")
// when only one code starts so. ok is false for an unknown or ambiguous word.
func (v Vocabulary) Match(tr Translator, word string) (code string, ok bool) {
	w := fold(word)
	if w == "" {
		return "", false
	}
	var prefixed []string
	for _, c := range v.Codes {
		if w == fold(c) || w == fold(strings.ReplaceAll(c, "_", " ")) {
			return c, true
		}
		for _, lang := range tr.Languages() {
			t := fold(tr.T(lang, v.ID(c), nil))
			if w == t {
				return c, true
			}
			if len([]rune(w)) >= 3 && strings.HasPrefix(t, w) && !isLetter(t[len(w):]) {
				prefixed = appendOnce(prefixed, c)
			}
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0], true
	}
	return "", false
}

// Names lists the translations of every code in lang, for "accepted words are …".
func (v Vocabulary) Names(tr Translator, lang string) []string {
	out := make([]string, len(v.Codes))
	for i, c := range v.Codes {
		out[i] = tr.T(lang, v.ID(c), nil)
	}
	return out
}

// apostrophes folds every apostrophe people type for Uzbek's ʻ and ʼ (oʻ, gʻ, maʼlumot) to
// the ASCII one: a phone keyboard gives ' or ’, the locale files write ʻ and ʼ.
var apostrophes = strings.NewReplacer("ʻ", "'", "ʼ", "'", "‘", "'", "’", "'", "`", "'")

// fold makes typed words comparable: lower case, single spaces, one apostrophe, no surrounding
// punctuation.
func fold(s string) string {
	s = apostrophes.Replace(strings.ToLower(strings.Join(strings.Fields(s), " ")))
	return strings.Trim(s, " .;:!?\"'«»")
}

// isLetter reports whether the rest of a word continues with a letter (so "her" is not a
// prefix word of "heroin").
func isLetter(rest string) bool {
	for _, r := range rest {
		return r != ' ' && r != '(' && r != ',' && r != '-' && r != '—' && r != '/'
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
