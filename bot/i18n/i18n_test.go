package i18n_test

import (
	"strings"
	"testing"

	"focalbot/bot/i18n"
	"focalbot/locales"
)

func TestMatch(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{"", "en"}, {"en", "en"}, {"en-US", "en"}, {"ru", "ru"}, {"ru-RU", "ru"},
		{"xx", "en"}, {"zz-ZZ", "en"}, {"not a tag", "en"},
	}
	for _, tt := range tests {
		if got := b.Match(tt.code); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestTEscapesArguments(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	got := b.T("en", "unknown_command", map[string]any{"Command": "<b>x</b>&"})
	if !strings.Contains(got, "/&lt;b&gt;x&lt;/b&gt;&amp;") {
		t.Errorf("argument not escaped: %q", got)
	}
	got = b.T("en", "unknown_command", map[string]any{"Command": i18n.HTML("<b>x</b>")})
	if !strings.Contains(got, "/<b>x</b>") {
		t.Errorf("HTML argument escaped: %q", got)
	}
	if got := b.T("ru", "no_such_message", nil); got != "no_such_message" {
		t.Errorf("missing message = %q, want its ID", got)
	}
}
