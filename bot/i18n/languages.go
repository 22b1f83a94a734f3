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

// nativeNames are the languages of the network as each calls itself in a list to pick from:
// capitalised, in the form the speakers use («Русский», «Oʻzbekcha» with the ʻ of the Latin
// standard), where CLDR has lower case, U+2018 or a bare adjective.
var nativeNames = map[string]string{
	"en": "English", "ru": "Русский", "kk": "Қазақша", "ky": "Кыргызча", "tg": "Тоҷикӣ",
	"tk": "Türkmençe", "uz": "Oʻzbekcha", "ka": "ქართული", "uk": "Українська", "az": "Azərbaycanca",
	"ps": "پښتو", "fa-AF": "دری", "ur": "اردو",
}

// NativeName is a language's name in that language ("Русский", "پښتو", "دری"): how each
// language is offered in the language picker, readable whatever language is active. The
// network's own table first, CLDR for any other language.
func NativeName(code string) string {
	if n, ok := nativeNames[code]; ok {
		return n
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return code
}

// languageNames are the names of the thirteen languages in each of them, in Supported's order,
// as they stand after "written in": Dari is Dari in every language (CLDR names fa-AF "Persian
// (Afghanistan)", wrong and sensitive on every text an Afghan officer writes), and each
// language names the others in one consistent form ("rus tili", not "ruscha" beside "tojik").
var languageNames = map[string][]string{
	"en":    {"English", "Russian", "Kazakh", "Kyrgyz", "Tajik", "Turkmen", "Uzbek", "Georgian", "Ukrainian", "Azerbaijani", "Pashto", "Dari", "Urdu"},
	"ru":    {"английский", "русский", "казахский", "кыргызский", "таджикский", "туркменский", "узбекский", "грузинский", "украинский", "азербайджанский", "пушту", "дари", "урду"},
	"kk":    {"ағылшын тілі", "орыс тілі", "қазақ тілі", "қырғыз тілі", "тәжік тілі", "түрікмен тілі", "өзбек тілі", "грузин тілі", "украин тілі", "әзірбайжан тілі", "пушту тілі", "дари тілі", "урду тілі"},
	"ky":    {"англис тили", "орус тили", "казак тили", "кыргыз тили", "тажик тили", "түркмөн тили", "өзбек тили", "грузин тили", "украин тили", "азербайжан тили", "пушту тили", "дари тили", "урду тили"},
	"tg":    {"англисӣ", "русӣ", "қазоқӣ", "қирғизӣ", "тоҷикӣ", "туркманӣ", "ӯзбекӣ", "гурҷӣ", "украинӣ", "озарбойҷонӣ", "пашту", "дарӣ", "урду"},
	"tk":    {"iňlis dili", "rus dili", "gazak dili", "gyrgyz dili", "täjik dili", "türkmen dili", "özbek dili", "gruzin dili", "ukrain dili", "azerbaýjan dili", "peştun dili", "dari dili", "urdu dili"},
	"uz":    {"ingliz tili", "rus tili", "qozoq tili", "qirgʻiz tili", "tojik tili", "turkman tili", "oʻzbek tili", "gruzin tili", "ukrain tili", "ozarbayjon tili", "pushtu tili", "dari tili", "urdu tili"},
	"ka":    {"ინგლისური", "რუსული", "ყაზახური", "ყირგიზული", "ტაჯიკური", "თურქმენული", "უზბეკური", "ქართული", "უკრაინული", "აზერბაიჯანული", "პუშტუ", "დარი", "ურდუ"},
	"uk":    {"англійська", "російська", "казахська", "киргизька", "таджицька", "туркменська", "узбецька", "грузинська", "українська", "азербайджанська", "пушту", "дарі", "урду"},
	"az":    {"ingilis dili", "rus dili", "qazax dili", "qırğız dili", "tacik dili", "türkmən dili", "özbək dili", "gürcü dili", "ukrayna dili", "azərbaycan dili", "puştu dili", "dəri dili", "urdu dili"},
	"ps":    {"انګرېزي", "روسي", "قزاقي", "قرغیزي", "تاجکي", "ترکمني", "ازبکي", "ګرجي", "اوکرایني", "اذربایجاني", "پښتو", "دري", "اردو"},
	"fa-AF": {"انگلیسی", "روسی", "قزاقی", "قرغیزی", "تاجکی", "ترکمنی", "ازبکی", "گرجی", "اوکراینی", "آذربایجانی", "پشتو", "دری", "اردو"},
	"ur":    {"انگریزی", "روسی", "قازق", "کرغیز", "تاجک", "ترکمان", "ازبک", "جارجیائی", "یوکرینی", "آذربائیجانی", "پشتو", "دری", "اردو"},
}

// LanguageName is the name of language code in the reader's language lang ("kk" in ru:
// казахский), for labelling free text with the language it was written in: the network's own
// table for its thirteen languages, else CLDR in the reader's language, English, the code.
func LanguageName(lang, code string) string {
	if names, ok := languageNames[lang]; ok {
		for i, c := range Supported {
			if c == code {
				return names[i]
			}
		}
	}
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
