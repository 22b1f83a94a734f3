package alert

import (
	"strings"
)

// FormFields are the fields of a pasted alert, in the order the template lists them. The
// label of each is the message alert_label_<field>, so a form may be written in any language
// we have.
var FormFields = []string{
	"classification", "drill", "conveyance",
	KindContainer, KindSeal, KindIMO, KindBL, KindPlate, KindWagon,
	"loading", "transit", "discharge", "destination",
	"goods", "substance", "quantity", "risks", "concealment", "text",
}

// LabelID is the message ID of a field's label.
func LabelID(field string) string { return "alert_label_" + field }

// SynonymsID is the message ID of the other labels a field is known by in a pasted alert
// ("Номер транспортного средства" for the plate), separated by "|". It is optional: a field
// without one is known by its label alone.
func SynonymsID(field string) string { return "alert_synonyms_" + field }

// labelIndex maps a folded label in any language (and the field's own name) to its field,
// then each synonym not already taken: a label always wins over another field's synonym.
func labelIndex(tr Translator) map[string]string {
	idx := map[string]string{}
	for _, f := range FormFields {
		idx[fold(f)] = f
		for _, lang := range tr.Languages() {
			idx[fold(tr.T(lang, LabelID(f), nil))] = f
		}
	}
	for _, f := range FormFields {
		for _, lang := range tr.Languages() {
			for _, s := range Synonyms(tr, lang, f) {
				if _, taken := idx[fold(s)]; !taken {
					idx[fold(s)] = f
				}
			}
		}
	}
	return idx
}

// Synonyms lists a field's other labels in lang (none when the field has no such message).
func Synonyms(tr Translator, lang, field string) []string {
	list := tr.T(lang, SynonymsID(field), nil)
	if list == SynonymsID(field) {
		return nil
	}
	var out []string
	for _, s := range strings.Split(list, "|") {
		if fold(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// splitLabel cuts "Label: value" (an ASCII or full-width colon).
func splitLabel(line string) (label, value string, ok bool) {
	i := strings.IndexAny(line, ":：")
	if i <= 0 {
		return "", "", false
	}
	_, size := firstRuneAt(line, i)
	return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+size:]), true
}

func firstRuneAt(s string, i int) (rune, int) {
	for _, r := range s[i:] {
		return r, len(string(r))
	}
	return 0, 0
}

// LooksLikeForm reports whether text is a pasted alert: at least two lines start with a label.
func LooksLikeForm(tr Translator, text string) bool {
	idx := labelIndex(tr)
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if label, _, ok := splitLabel(line); ok {
			if _, known := idx[fold(label)]; known {
				n++
			}
		}
	}
	return n >= 2
}

// ParseForm reads a pasted alert of "Label: value" lines. The free text may go on over the
// following lines. Every problem is reported at once, each with its line; the content holds
// whatever was understood. lang is the author's language, recorded for the free text.
func ParseForm(tr Translator, text, lang string) (Content, []Problem) {
	c := Content{Lang: lang}
	var problems []Problem
	idx := labelIndex(tr)
	var textLines []string
	inText := false
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lineNo := n + 1
		label, value, ok := splitLabel(line)
		field := ""
		if ok {
			field = idx[fold(label)]
		}
		if field == "" {
			if inText {
				textLines = append(textLines, line)
				continue
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			problems = append(problems, Problem{Line: lineNo, ID: "alert_err_form_line", Data: map[string]any{"Value": clip(line)}})
			continue
		}
		inText = field == "text"
		if inText {
			c.Lang = textLang(tr, label, lang)
			if value != "" {
				textLines = append(textLines, value)
			}
			continue
		}
		if value == "" {
			continue // an empty field of the template
		}
		for _, p := range applyField(tr, &c, field, value) {
			p.Line = lineNo
			problems = append(problems, p)
		}
	}
	c.Text = strings.TrimSpace(strings.Join(textLines, "\n"))
	if p := CheckText(c.Text); p != nil {
		p.Field = LabelID("text")
		problems = append(problems, *p)
	}
	for _, p := range c.Missing() {
		problems = append(problems, p)
	}
	return c, problems
}

// textLang is the language of a pasted description: the author's, unless its label is one
// only another language uses ("Описание:" from a Kazakh officer means the text is Russian,
// and the readers are told so).
func textLang(tr Translator, label, author string) string {
	var langs []string
	for _, l := range tr.Languages() {
		if fold(tr.T(l, LabelID("text"), nil)) == fold(label) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 1 && langs[0] != author {
		return langs[0]
	}
	return author
}

// applyField sets one field of c from a typed value and returns what was wrong with it.
func applyField(tr Translator, c *Content, field, value string) []Problem {
	vocabProblem := func(v *Vocabulary, word string) Problem {
		return Problem{ID: "alert_err_vocab", Data: map[string]any{"Value": clip(word)}, Field: LabelID(field), Vocab: v}
	}
	var out []Problem
	switch field {
	case "classification", "conveyance", "substance", "concealment":
		v := map[string]*Vocabulary{"classification": &Classifications, "conveyance": &Conveyances,
			"substance": &Substances, "concealment": &Concealments}[field]
		code, ok := v.Match(tr, value)
		if !ok {
			return []Problem{vocabProblem(v, value)}
		}
		switch field {
		case "classification":
			c.Classification = code
		case "conveyance":
			c.Conveyance = code
		case "substance":
			c.Substance = code
		case "concealment":
			c.Concealment = code
		}
	case "drill":
		yes, ok := matchYesNo(tr, value)
		if !ok {
			return []Problem{{ID: "alert_err_yes_no", Data: map[string]any{"Value": clip(value)}, Field: LabelID(field)}}
		}
		c.Drill = yes
	case "risks":
		for _, w := range SplitValues(value) {
			code, ok := Risks.Match(tr, w)
			if !ok {
				out = append(out, vocabProblem(&Risks, w))
				continue
			}
			if !containsString(c.Risks, code) {
				c.Risks = append(c.Risks, code)
			}
		}
	case KindContainer, KindSeal, KindIMO, KindBL, KindPlate, KindWagon:
		for _, v := range SplitValues(value) {
			id, p := ParseIdentifier(field, v)
			if p == nil {
				p = c.AddIdentifier(id)
			}
			if p != nil {
				out = append(out, *p)
			}
		}
	case "loading", "transit", "discharge", "destination":
		for _, v := range SplitValues(value) {
			pl, p := ParsePlace(field, v)
			if p == nil {
				p = c.AddPlace(pl)
			}
			if p != nil {
				out = append(out, *p)
			}
		}
	case "goods", "quantity":
		if p := CheckShortText(value); p != nil {
			p.Field = LabelID(field)
			return []Problem{*p}
		}
		if field == "goods" {
			c.Goods = value
		} else {
			c.Quantity = value
		}
	}
	return out
}

// matchYesNo reads yes or no in any language.
func matchYesNo(tr Translator, s string) (yes, ok bool) {
	w := fold(s)
	for _, lang := range tr.Languages() {
		if w == fold(tr.T(lang, "alert_word_yes", nil)) {
			return true, true
		}
		if w == fold(tr.T(lang, "alert_word_no", nil)) {
			return false, true
		}
	}
	switch w {
	case "yes", "y", "1", "true":
		return true, true
	case "no", "n", "0", "false":
		return false, true
	}
	return false, false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens a typed value quoted back in a problem, so that an error about a huge line
// does not become a huge message itself. The value is quoted, not stored: nothing is lost.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Template is an empty form with the labels in lang, for people to copy and fill in.
func Template(tr Translator, lang string) string {
	var b strings.Builder
	for _, f := range FormFields {
		b.WriteString(tr.T(lang, LabelID(f), nil))
		b.WriteString(": \n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// FormValues is c written as the form's fields, in lang (the words of the vocabularies, the
// identifiers as typed, places by LOCODE or country and name), so that ParseForm reads it
// back: the Mini App's form pre-filled with a returned alert.
func FormValues(tr Translator, lang string, c *Content) map[string]string {
	out := map[string]string{}
	add := func(field, v string) {
		if v == "" {
			return
		}
		if out[field] != "" {
			out[field] += ", "
		}
		out[field] += v
	}
	word := func(v *Vocabulary, code string) string {
		if code == "" {
			return ""
		}
		return tr.T(lang, v.ID(code), nil)
	}
	add("classification", word(&Classifications, c.Classification))
	add("conveyance", word(&Conveyances, c.Conveyance))
	add("substance", word(&Substances, c.Substance))
	add("concealment", word(&Concealments, c.Concealment))
	if c.Drill {
		out["drill"] = "true"
	}
	for _, r := range c.Risks {
		add("risks", word(&Risks, r))
	}
	for _, id := range c.Identifiers {
		add(id.Kind, id.Value)
	}
	for _, p := range c.Route {
		switch {
		case p.Locode != "":
			add(p.Role, p.Locode)
		case p.Name != "":
			add(p.Role, p.Country+" "+p.Name)
		default:
			add(p.Role, p.Country)
		}
	}
	add("goods", c.Goods)
	add("quantity", c.Quantity)
	add("text", c.Text)
	return out
}
