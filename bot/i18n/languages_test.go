package i18n_test

import (
	"testing"

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
		{"en", "English"}, {"ru", "русский"}, {"kk", "қазақ тілі"}, {"ps", "پښتو"}, {"fa-AF", "دری"}, {"uz", "o‘zbek"},
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
