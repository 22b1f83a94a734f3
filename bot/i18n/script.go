package i18n

import (
	"strings"
	"unicode"
)

// Free text is labelled with the language it was written in. What we know is the author's
// interface language, which is not always the language they write in: an Urdu-speaking
// officer may well write in English. The script of the text is a fact we can check. Where it
// is one the author's language is written in, the text is labelled with that language; where
// it is not, with the script ("Latin script"), which is true and still tells the reader what
// to paste into a translator. Asking the author each time would cost every officer a step on
// every text for what the script mostly settles. (Russian written by an Uzbek officer in
// Cyrillic is still labelled Uzbek: the script cannot tell those apart.)

// Scripts we tell apart.
const (
	ScriptLatin    = "latin"
	ScriptCyrillic = "cyrillic"
	ScriptArabic   = "arabic"
	ScriptGeorgian = "georgian"
)

// langScripts are the scripts each of our languages is written in (Uzbek and Kazakh in both
// Latin and Cyrillic, as they are today).
var langScripts = map[string][]string{
	"en": {ScriptLatin}, "ru": {ScriptCyrillic}, "kk": {ScriptCyrillic, ScriptLatin}, "ky": {ScriptCyrillic},
	"tg": {ScriptCyrillic}, "tk": {ScriptLatin}, "uz": {ScriptLatin, ScriptCyrillic}, "ka": {ScriptGeorgian},
	"uk": {ScriptCyrillic}, "az": {ScriptLatin}, "ps": {ScriptArabic}, "fa-AF": {ScriptArabic}, "ur": {ScriptArabic},
}

// Script is the script most letters of text are written in, "" when it has no letter of the
// four scripts we tell apart (only digits and signs, say).
func Script(text string) string {
	counts := map[string]int{}
	for _, r := range text {
		switch {
		case !unicode.IsLetter(r):
		case unicode.Is(unicode.Latin, r):
			counts[ScriptLatin]++
		case unicode.Is(unicode.Cyrillic, r):
			counts[ScriptCyrillic]++
		case unicode.Is(unicode.Arabic, r):
			counts[ScriptArabic]++
		case unicode.Is(unicode.Georgian, r):
			counts[ScriptGeorgian]++
		}
	}
	best, n := "", 0
	for _, s := range []string{ScriptLatin, ScriptCyrillic, ScriptArabic, ScriptGeorgian} {
		if counts[s] > n {
			best, n = s, counts[s]
		}
	}
	return best
}

// WrittenIn is what free text is labelled with: authorLang when the text is in a script that
// language is written in (or has no letters to tell, or the language is not one of ours), else
// "script:" and the text's script.
func WrittenIn(authorLang, text string) string {
	s := Script(text)
	scripts, known := langScripts[authorLang]
	if s == "" || !known {
		return authorLang
	}
	for _, have := range scripts {
		if have == s {
			return authorLang
		}
	}
	return "script:" + s
}

// Translate is a bundle's T: the script names are messages script_<name>.
type Translate func(lang, id string, data map[string]any) string

// TextLanguage names, in the reader's language lang, what the text written by an author of
// authorLang is labelled with (WrittenIn): a language name, or a script name.
func TextLanguage(t Translate, lang, authorLang, text string) string {
	label := WrittenIn(authorLang, text)
	if s, ok := strings.CutPrefix(label, "script:"); ok {
		return t(lang, "script_"+s, nil)
	}
	return LanguageName(lang, label)
}

// SameLanguage reports whether text of an author of authorLang needs no label for a reader of
// lang: it is labelled with the reader's own language.
func SameLanguage(lang, authorLang, text string) bool {
	return authorLang == "" || WrittenIn(authorLang, text) == lang
}
