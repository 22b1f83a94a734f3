package i18n_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"focalbot/bot/i18n"
)

func TestMatchSupported(t *testing.T) {
	tests := []struct{ code, want string }{
		{"", "en"}, {"en", "en"}, {"en-GB", "en"}, {"ru", "ru"}, {"ru-RU", "ru"}, {"kk-KZ", "kk"},
		{"ky", "ky"}, {"tg", "tg"}, {"tk", "tk"}, {"ka-GE", "ka"}, {"uk-UA", "uk"},
		{"fa", "fa-AF"}, {"fa-AF", "fa-AF"}, {"fa-IR", "fa-AF"}, {"prs", "fa-AF"}, {"PRS", "fa-AF"},
		{"uz", "uz"}, {"uz-Latn-UZ", "uz"}, {"uz-Cyrl", "uz"}, {"uz-Cyrl-UZ", "uz"},
		{"az", "az"}, {"az-Cyrl", "az"}, {"ps", "ps"}, {"ps-AF", "ps"}, {"ur-PK", "ur"},
		{"de", "en"}, {"zz", "en"}, {"xx-YY", "en"}, {"not a tag", "en"},
	}
	for _, tt := range tests {
		if got := i18n.MatchSupported(tt.code); got != tt.want {
			t.Errorf("MatchSupported(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestNativeAndCountryNames(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"en", "English"}, {"ru", "Русский"}, {"uk", "Українська"}, {"kk", "Қазақша"}, {"ps", "پښتو"}, {"fa-AF", "دری"},
		{"uz", "Oʻzbekcha"}, {"az", "Azərbaycanca"}, {"de", "Deutsch"},
	} {
		if got := i18n.NativeName(tt.code); got != tt.want {
			t.Errorf("NativeName(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
	for _, code := range i18n.Supported {
		if i18n.NativeName(code) == code {
			t.Errorf("no native name for %s", code)
		}
	}
	for _, tt := range []struct{ lang, cc, want string }{
		{"en", "KZ", "Kazakhstan"}, {"ru", "KZ", "Казахстан"}, {"kk", "KZ", "Қазақстан"}, {"ps", "AF", "افغانستان"},
		{"xx", "GE", "Georgia"}, {"en", "??", "??"},
	} {
		if got := i18n.CountryName(tt.lang, tt.cc); got != tt.want {
			t.Errorf("CountryName(%q, %q) = %q, want %q", tt.lang, tt.cc, got, tt.want)
		}
	}
}

func TestJoinListUsesTheArabicCommaRightToLeft(t *testing.T) {
	items := []string{"A", "B"}
	for lang, want := range map[string]string{"en": "A, B", "ru": "A, B", "ur": "A، B", "ps": "A، B", "fa-AF": "A، B"} {
		if got := i18n.JoinList(lang, items); got != want {
			t.Errorf("JoinList(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := i18n.JoinGroups("ur", items); got != "A؛ B" {
		t.Errorf("JoinGroups(ur) = %q", got)
	}
}

// The language picker offers each language by its own name, capitalised (right to left and
// Georgian have no capitals), with Uzbek's ʻ rather than U+2018.
func TestNativeNamesCapitalised(t *testing.T) {
	for _, code := range i18n.Supported {
		n := i18n.NativeName(code)
		r, _ := utf8.DecodeRuneInString(n)
		if (unicode.IsLower(r) && !unicode.Is(unicode.Georgian, r)) || strings.ContainsAny(n, "‘’'") {
			t.Errorf("NativeName(%s) = %q: want a capital and no quote-mark apostrophe", code, n)
		}
	}
}

// "Written in …" names every language in every reader's language from the network's table:
// Dari is Dari everywhere, never "Persian (Afghanistan)"; no name is in another script than
// the reader's, and no two languages share a name.
func TestLanguageNames(t *testing.T) {
	dari := map[string]string{"en": "Dari", "ru": "дари", "uk": "дарі", "ps": "دري", "fa-AF": "دری", "ur": "دری", "az": "dəri dili"}
	for _, lang := range i18n.Supported {
		seen := map[string]string{}
		for _, code := range i18n.Supported {
			n := i18n.LanguageName(lang, code)
			if strings.ContainsAny(n, "()") || n == code {
				t.Errorf("LanguageName(%s, %s) = %q", lang, code, n)
			}
			for _, r := range n {
				if unicode.IsLetter(r) && !unicode.Is(scripts[lang], r) && !unicode.Is(unicode.Common, r) {
					t.Errorf("LanguageName(%s, %s) = %q: not in the script of %s", lang, code, n, lang)
					break
				}
			}
			if other, dup := seen[n]; dup {
				t.Errorf("LanguageName(%s): %s and %s are both %q", lang, other, code, n)
			}
			seen[n] = code
		}
		if want, ok := dari[lang]; ok && i18n.LanguageName(lang, "fa-AF") != want {
			t.Errorf("LanguageName(%s, fa-AF) = %q, want %q", lang, i18n.LanguageName(lang, "fa-AF"), want)
		}
		for _, bad := range []string{"перс", "فارس", "fors", "fars", "Pars", "სპარს", "форс", "парсы", "фарс"} {
			if n := i18n.LanguageName(lang, "fa-AF"); strings.Contains(n, bad) {
				t.Errorf("LanguageName(%s, fa-AF) = %q: Dari named as Persian", lang, n)
			}
		}
	}
	if got := i18n.LanguageName("ru", "de"); got != "немецкий" {
		t.Errorf("LanguageName(ru, de) = %q: CLDR for a language outside the network", got)
	}
}
