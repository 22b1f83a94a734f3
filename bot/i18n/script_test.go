package i18n

import "testing"

func TestWrittenIn(t *testing.T) {
	for _, c := range []struct{ lang, text, want string }{
		{"ur", "Container MSCU1234565 released", "script:latin"},
		{"ur", "کنٹینر روک لیا گیا", "ur"},
		{"en", "Контейнер задержан", "script:cyrillic"},
		{"uz", "Konteyner ushlab qolindi", "uz"},
		{"uz", "Контейнер ушлаб қолинди", "uz"},
		{"ru", "კონტეინერი დააკავეს", "script:georgian"},
		{"ka", "MSCU1234565 — 12 т", "script:latin"}, // the container code's letters outnumber the one Cyrillic
		{"ka", "12345 / 67", "ka"},
		{"ru", "Контейнер MSCU1234565 задержан в порту", "ru"}, // Cyrillic words outnumber the code
		{"xx", "anything", "xx"},
	} {
		if got := WrittenIn(c.lang, c.text); got != c.want {
			t.Errorf("WrittenIn(%q, %q) = %q, want %q", c.lang, c.text, got, c.want)
		}
	}
}
