package alert_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/i18n"
	"focalbot/locales"
)

func bundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const russianForm = `Классификация: срочное
Учения: нет
Транспортное средство: Железнодорожный вагон
Вагон: 21 81 2471 217-3
Контейнер: CSQU3054383, MSCU1234566
Погрузка: KZALA
Транзит: UZ Tashkent
Назначение: AFKBL
Предполагаемое вещество: героин
Индикаторы риска: отклонение от маршрута, реакция служебной собаки
Способ сокрытия: ложная стенка или тайник
Описание: Вагон шёл через Сары-Агач.
Прошу досмотреть на границе.`

func TestParseFormRussian(t *testing.T) {
	b := bundle(t)
	c, problems := alert.ParseForm(b, russianForm, "ru")
	if len(problems) > 0 {
		for _, p := range problems {
			t.Errorf("problem: %s", alerttext.ProblemMessage(b, "en", p))
		}
		t.FailNow()
	}
	if c.Classification != alert.ClassUrgent || c.Drill || c.Conveyance != "rail" || c.Substance != "heroin" ||
		c.Concealment != "false_wall" || len(c.Risks) != 2 || len(c.Identifiers) != 3 || len(c.Route) != 3 {
		t.Fatalf("content %+v", c)
	}
	if c.Text != "Вагон шёл через Сары-Агач.\nПрошу досмотреть на границе." || c.Lang != "ru" {
		t.Fatalf("text %q lang %q", c.Text, c.Lang)
	}
	if got := c.Countries(); strings.Join(got, ",") != "KZ,UZ,AF" {
		t.Fatalf("countries %v", got)
	}
}

// Every problem of a pasted form is reported at once, each with its line, and an unknown word
// lists the accepted ones in the reader's language.
func TestParseFormReportsEveryProblem(t *testing.T) {
	b := bundle(t)
	form := "Classification: urgent\nConveyance: spaceship\nContainer: CSQU3054384\nLoading: KZAL1\nSuspected substance: sugar\nwhat is this\nExercise: maybe"
	_, problems := alert.ParseForm(b, form, "en")
	want := map[string]int{"alert_err_vocab": 2, "alert_err_container_check": 1, "alert_err_locode": 1,
		"alert_err_form_line": 1, "alert_err_yes_no": 1, "alert_err_missing": 1}
	got := map[string]int{}
	for _, p := range problems {
		got[p.ID]++
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s: %d problems, want %d (all: %v)", id, got[id], n, got)
		}
	}
	var sugar alert.Problem
	for _, p := range problems {
		if p.ID == "alert_err_vocab" && p.Data["Value"] == "sugar" {
			sugar = p
		}
	}
	ru := alerttext.ProblemMessage(b, "ru", sugar)
	if !strings.Contains(ru, "строка 5") || !strings.Contains(ru, "Героин") || !strings.Contains(ru, "Предполагаемое вещество") {
		t.Errorf("Russian message %q: want line, label and accepted words in Russian", ru)
	}
	en := alerttext.ProblemMessage(b, "en", sugar)
	if !strings.Contains(en, "Heroin") || !strings.Contains(en, "Cocaine") {
		t.Errorf("English message %q", en)
	}
}

func TestTemplateParsesInEveryLanguage(t *testing.T) {
	b := bundle(t)
	for _, lang := range b.Languages() {
		tmpl := alert.Template(b, lang)
		if !alert.LooksLikeForm(b, tmpl) {
			t.Errorf("%s: the template does not look like a form", lang)
		}
		_, problems := alert.ParseForm(b, tmpl, lang)
		for _, p := range problems {
			if p.ID != "alert_err_missing" && p.ID != "alert_err_missing_subject" {
				t.Errorf("%s: empty template gives %s", lang, p.ID)
			}
		}
	}
}

// Rendering: labels and vocabulary in the reader's language, identifiers as typed, free text
// escaped and marked with its language, time in the reader's zone.
func TestRender(t *testing.T) {
	b := bundle(t)
	c, problems := alert.ParseForm(b, russianForm, "ru")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	c.Text = "<script>alert(1)</script> & груз задержан на границе, досмотр продолжается"
	country := "KZ"
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	uz := "UZ"
	meta := alerttext.Meta{Ref: "ALR-2026-000001", AuthorCountry: &country, Time: at, Zone: alert.ZoneFor(&uz)}
	en := alerttext.Render(b, "en", &c, meta)
	for _, want := range []string{"Urgent alert", "<code>CSQU3054383</code>", "Heroin", "Almaty (KZALA), Kazakhstan",
		"written in Russian", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; груз задержан на границе, досмотр продолжается", "2026-03-02 14:00 UTC+5", "Wagon"} {
		if !strings.Contains(en, want) {
			t.Errorf("English rendering lacks %q:\n%s", want, en)
		}
	}
	ru := alerttext.Render(b, "ru", &c, meta)
	for _, want := range []string{"Срочное оповещение", "Героин", "Казахстан", "русский", "Вагон"} {
		if !strings.Contains(ru, want) {
			t.Errorf("Russian rendering lacks %q:\n%s", want, ru)
		}
	}
	if strings.Contains(en, "<script>") {
		t.Error("free text not escaped")
	}
	c.Drill = true
	if r := alerttext.Render(b, "en", &c, meta); !strings.Contains(r, "EXERCISE") {
		t.Error("drill not marked")
	}
}

// A route stop known only by an unlisted LOCODE, or only by its country, reads cleanly in every
// language: no empty name before the code, no comma before the country.
func TestRenderPlaceWithoutName(t *testing.T) {
	b := bundle(t)
	c := alert.Content{Classification: "urgent", Route: []alert.Place{
		{Role: "discharge", Country: "KZ", Locode: "KZXQZ", Unknown: true},
		{Role: "destination", Country: "UZ"},
	}}
	en := alerttext.Render(b, "en", &c, alerttext.Meta{})
	for _, want := range []string{"Discharge: KZXQZ (not in our list), Kazakhstan", "Destination: Uzbekistan"} {
		if !strings.Contains(en, want) {
			t.Errorf("English rendering lacks %q:\n%s", want, en)
		}
	}
	for _, lang := range b.Languages() {
		r := alerttext.Render(b, lang, &c, alerttext.Meta{})
		for _, bad := range []string{" (KZXQZ", ": , ", ": ، ", ":  "} {
			if strings.Contains(r, bad) {
				t.Errorf("%s rendering has %q:\n%s", lang, bad, r)
			}
		}
	}
}

// A description under a label only one other language uses is taken to be in that language;
// under the author's own label (or one several languages share) it is in the author's.
func TestPastedTextLanguage(t *testing.T) {
	b := bundle(t)
	for _, tt := range []struct{ label, author, want string }{
		{"Описание", "kk", "ru"},
		{"Сипаттама", "kk", "kk"},
		{"Описание", "ru", "ru"},
		{"Description", "uz", "en"},
		{"text", "kk", "kk"},
	} {
		form := "Classification: urgent\nConveyance: Sea container\nContainer: CSQU3054383\nLoading: KZALA\n" +
			"Suspected substance: heroin\n" + tt.label + ": Контейнер прибыл."
		c, problems := alert.ParseForm(b, form, tt.author)
		if len(problems) > 0 {
			t.Fatalf("%s: %v", tt.label, problems)
		}
		if c.Lang != tt.want {
			t.Errorf("%q by a %s author: language %q, want %q", tt.label, tt.author, c.Lang, tt.want)
		}
	}
}

// The route reads in travel order whatever the order places were added in.
func TestRouteTravelOrder(t *testing.T) {
	var c alert.Content
	for _, p := range []alert.Place{{Role: "destination", Locode: "UZTAS"}, {Role: "loading", Locode: "PKKHI"},
		{Role: "transit", Locode: "AFKBL"}, {Role: "transit", Locode: "TJDYU"}, {Role: "discharge", Locode: "KZALA"}} {
		if prob := c.AddPlace(p); prob != nil {
			t.Fatal(prob)
		}
	}
	var got []string
	for _, p := range c.Route {
		got = append(got, p.Locode)
	}
	if want := "PKKHI AFKBL TJDYU KZALA UZTAS"; strings.Join(got, " ") != want {
		t.Errorf("route %v, want %s", got, want)
	}
}

func TestSplitNeverLosesText(t *testing.T) {
	var lines []string
	for i := 0; i < 400; i++ {
		lines = append(lines, "<b>line</b> "+strings.Repeat("ж", i%50))
	}
	s := strings.Join(lines, "\n")
	parts := alert.Split(s, alert.MaxMessage)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for _, p := range parts {
		if alert.UTF16Len(p) > alert.MaxMessage {
			t.Fatalf("part of %d", alert.UTF16Len(p))
		}
	}
	if strings.Join(parts, "\n") != s {
		t.Fatal("split lost or changed text")
	}
}

// FuzzParseForm: no input panics; every problem has an ID and renders; what parses without
// problems is complete and within the limits.
func FuzzParseForm(f *testing.F) {
	b := bundle(f)
	f.Add(russianForm)
	f.Add("Classification: urgent\nConveyance: Sea container\nContainer: CSQU3054383")
	f.Add("Classification:\n\n:::\nDescription: <b>x</b>\n  more")
	f.Add("Контейнер: ,,;;\nПогрузка: KZ\nКлассификация：срочное")
	// (long inputs are the fuzzer's to find)
	f.Fuzz(func(t *testing.T, s string) {
		c, problems := alert.ParseForm(b, s, "ru")
		for _, p := range problems {
			if p.ID == "" || alerttext.ProblemMessage(b, "en", p) == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if len(problems) == 0 {
			if len(c.Missing()) > 0 || utf8.RuneCountInString(c.Text) > alert.MaxText || len(c.Identifiers) > alert.MaxIdents {
				t.Fatalf("accepted an incomplete or oversized alert: %+v", c)
			}
			if !strings.Contains(alerttext.Render(b, "en", &c, alerttext.Meta{}), "<b>") {
				t.Fatal("rendering lost its markup")
			}
		}
	})
}

// Every synonym of a field, in every language, is read as that field: none is shadowed by
// another field's label or synonym (which would file a value under the wrong field).
func TestLabelSynonymsUnambiguous(t *testing.T) {
	b := bundle(t)
	values := map[string]string{alert.KindContainer: "CSQU3054383", alert.KindPlate: "01 A 123 BC", alert.KindBL: "176-12345675"}
	for field, value := range values {
		for _, lang := range b.Languages() {
			syns := alert.Synonyms(b, lang, field)
			if len(syns) == 0 {
				t.Errorf("%s: no synonyms of %s", lang, field)
			}
			for _, s := range syns {
				form := "Classification: urgent alert\nConveyance: road vehicle\n" + s + ": " + value
				if !alert.LooksLikeForm(b, form) {
					t.Errorf("%s: %q is not read as a label", lang, s)
					continue
				}
				c, problems := alert.ParseForm(b, form, lang)
				if len(problems) > 0 || len(c.Identifiers) != 1 || c.Identifiers[0].Kind != field {
					t.Errorf("%s: %q: identifiers %+v, problems %v; want one %s", lang, s, c.Identifiers, problems, field)
				}
			}
		}
	}
}

// FormValues writes an alert as the form's fields; read back as the form is read, in every
// language, it gives the same alert (the Mini App's revise form, filled with a returned alert).
func TestFormValuesRoundTrip(t *testing.T) {
	b := bundle(t)
	want, problems := alert.ParseForm(b, russianForm, "ru")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want.Drill = true
	for _, lang := range b.Languages() {
		vals := alert.FormValues(b, lang, &want)
		var lines []string
		for _, f := range alert.FormFields {
			if v := vals[f]; v != "" {
				lines = append(lines, b.T(lang, alert.LabelID(f), nil)+": "+v)
			}
		}
		got, problems := alert.ParseForm(b, strings.Join(lines, "\n"), lang)
		if len(problems) > 0 {
			t.Fatalf("%s: problems %v in\n%s", lang, problems, strings.Join(lines, "\n"))
		}
		got.Lang = want.Lang
		// The form lists identifiers by kind, not in the order they were typed.
		byKind := func(ids []alert.Identifier) {
			slices.SortStableFunc(ids, func(a, b alert.Identifier) int { return strings.Compare(a.Kind, b.Kind) })
		}
		byKind(got.Identifiers)
		byKind(want.Identifiers)
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", lang, g, w)
		}
	}
}
