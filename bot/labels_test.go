package bot

import (
	"fmt"
	"testing"
)

func TestLabelWidth(t *testing.T) {
	for s, want := range map[string]int{
		"Обновить":              8,
		"✅ Acknowledge":         14,
		"❌ Отменить оповещение": 22,
		"Qoʻqon":              6, // ʻ is a letter of Uzbek Latin
		"ё":                   1, // precomposed
		"е\u0308":             1, // with a combining diaeresis
		"\u2068Karachi\u2069": 7,
		"✔\ufe0f":             2,
		"Синтетикалық опиоидтар": 22,
		"مصنوعی": 6,
	} {
		if got := LabelWidth(s); got != want {
			t.Errorf("LabelWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// A row keeps its buttons together while their labels fit, and breaks into narrower rows,
// in order, where they do not.
func TestFitRows(t *testing.T) {
	b := func(labels ...string) []Button {
		var out []Button
		for _, l := range labels {
			out = append(out, Button{Text: l})
		}
		return out
	}
	shape := func(rows [][]Button) string {
		s := ""
		for _, r := range rows {
			s += fmt.Sprint(len(r))
		}
		return s
	}
	for _, c := range []struct {
		labels []string
		want   string
	}{
		{[]string{"Yes", "No"}, "2"},
		{[]string{"❌ Отменить оповещение", "Обновить"}, "11"},
		{[]string{"Обновить", "❌ Отменить оповещение"}, "11"},
		{[]string{"1 h", "6 h", "24 h"}, "3"},
		{[]string{"1 hour", "6 hours", "24 hours long"}, "21"},
		{[]string{"Синтетикалық опиоидтар", "Героин"}, "11"},
		{[]string{"A very long place name that no row holds (XXABC)"}, "1"},
		{nil, "0"},
	} {
		if got := shape(FitRows(b(c.labels...))); got != c.want {
			t.Errorf("FitRows(%q) rows of %s, want %s", c.labels, got, c.want)
		}
	}
}
