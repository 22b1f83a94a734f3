package i18n

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Supported are the thirteen languages of the network, by the code of their locale file:
// Dari is fa-AF, Uzbek and Azerbaijani are the Latin-script standards. A language counts only
// once its file exists (Bundle.Languages); until then its speakers are matched to it and then
// fall back to English.
var Supported = []string{"en", "ru", "kk", "ky", "tg", "tk", "uz", "ka", "uk", "az", "ps", "fa-AF", "ur"}

var (
	supportedTags    = func() []language.Tag { return parseAll(Supported) }()
	supportedMatcher = language.NewMatcher(supportedTags)
	// aliases are codes Telegram clients may send that x/text does not map on its own: "prs"
	// is the ISO 639-3 code of Dari.
	aliases = map[string]string{"prs": "fa-AF"}
)

func parseAll(codes []string) []language.Tag {
	tags := make([]language.Tag, len(codes))
	for i, c := range codes {
		tags[i] = language.MustParse(c)
	}
	return tags
}

// MatchSupported picks one of Supported for a Telegram language_code: ru-RU → ru, fa and fa-AF
// and prs → fa-AF (Dari, the nearest to Persian we have), uz-Cyrl → uz, anything unknown → en.
func MatchSupported(code string) string {
	code = strings.TrimSpace(code)
	if a, ok := aliases[strings.ToLower(code)]; ok {
		return a
	}
	tag, err := language.Parse(code)
	if err != nil || code == "" {
		return Default
	}
	if _, i, conf := supportedMatcher.Match(tag); conf >= language.High {
		return Supported[i]
	}
	// Another script of one of our languages (uz-Cyrl, az-Cyrl): x/text will not swap scripts
	// on its own, but the reader is better served by their language in another script than by
	// English.
	base, _ := tag.Base()
	if a, ok := aliases[base.String()]; ok {
		return a
	}
	for i, t := range supportedTags {
		if b, _ := t.Base(); b == base {
			return Supported[i]
		}
	}
	return Default
}

// NativeName is a language's name in that language ("русский", "پښتو", "دری"): how each
// language is offered in the language picker, readable whatever language is active.
func NativeName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return code
}

// LanguageName is the name of language code in the reader's language lang ("kk" in ru:
// казахский), for labelling free text with the language it was written in; English, then the
// code, where CLDR has no name.
func LanguageName(lang, code string) string {
	named, err := language.Parse(code)
	if err != nil {
		return code
	}
	if reader, err := language.Parse(lang); err == nil {
		if n := display.Tags(reader).Name(named); n != "" {
			return n
		}
	}
	if n := display.English.Tags().Name(named); n != "" {
		return n
	}
	return code
}

// rightToLeft are our languages written right to left.
var rightToLeft = map[string]bool{"ps": true, "fa-AF": true, "ur": true}

// RightToLeft reports whether lang is written right to left.
func RightToLeft(lang string) bool { return rightToLeft[lang] }

// JoinList joins the items of a list as lang writes them: with a comma, the Arabic comma for
// Pashto, Dari and Urdu.
func JoinList(lang string, items []string) string {
	if rightToLeft[lang] {
		return strings.Join(items, "، ")
	}
	return strings.Join(items, ", ")
}

// JoinGroups joins lists of lists, with a semicolon (the Arabic one where right to left).
func JoinGroups(lang string, items []string) string {
	if rightToLeft[lang] {
		return strings.Join(items, "؛ ")
	}
	return strings.Join(items, "; ")
}

// officialNames override CLDR where the network's own usage differs: Kyrgyzstan's official
// short name in Russian is Кыргызстан, where CLDR has Киргизия.
var officialNames = map[string]string{"ru:KG": "Кыргызстан"}

// CountryName is the name of an ISO 3166-1 alpha-2 country in lang ("KZ" in kk: Қазақстан),
// falling back to English and then to the code itself.
func CountryName(lang, cc string) string {
	if n, ok := officialNames[lang+":"+cc]; ok {
		return n
	}
	region, err := language.ParseRegion(cc)
	if err != nil {
		return cc
	}
	if tag, err := language.Parse(lang); err == nil {
		if n := display.Regions(tag).Name(region); n != "" {
			return n
		}
	}
	if n := display.Regions(language.English).Name(region); n != "" {
		return n
	}
	return cc
}
