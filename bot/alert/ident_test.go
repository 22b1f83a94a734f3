package alert_test

import (
	"strings"
	"testing"

	"focalbot/bot/alert"
)

func TestParseIdentifier(t *testing.T) {
	tests := []struct {
		kind, typed string
		wantNorm    string
		wantProblem string // message ID, "" for valid
		expected    string // the check digit named in the problem
	}{
		{alert.KindContainer, "CSQU3054383", "CSQU3054383", "", ""},
		{alert.KindContainer, "csqu 305438-3", "CSQU3054383", "", ""},
		{alert.KindContainer, "CSQU3054384", "", "alert_err_container_check", "3"},
		{alert.KindContainer, "MSCU1234565", "", "alert_err_container_check", "6"},
		{alert.KindContainer, "MSCU1234566", "MSCU1234566", "", ""},
		{alert.KindContainer, "MSCA1234566", "", "alert_err_container_format", ""},
		{alert.KindContainer, "MSCU123456", "", "alert_err_container_format", ""},
		{alert.KindContainer, "", "", "alert_err_empty", ""},
		{alert.KindIMO, "IMO 9074729", "9074729", "", ""},
		{alert.KindIMO, "9074729", "9074729", "", ""},
		{alert.KindIMO, "IMO 9074728", "", "alert_err_imo_check", "9"},
		{alert.KindIMO, "IMO 907472", "", "alert_err_imo_format", ""},
		{alert.KindBL, "176-12345675", "17612345675", "", ""},
		{alert.KindBL, "176-12345670", "", "alert_err_awb_check", "5"},
		{alert.KindBL, "MEDU KZ 123456", "MEDUKZ123456", "", ""},
		{alert.KindBL, "ABCDEFG", "", "alert_err_bl", ""},
		{alert.KindSeal, "ML-1234567", "ML1234567", "", ""},
		{alert.KindSeal, "12", "", "alert_err_seal", ""},
		{alert.KindPlate, "01 A 123 BC", "01A123BC", "", ""},
		{alert.KindPlate, "777 ААА 02", "777ААА02", "", ""},
		{alert.KindPlate, "ABC", "", "alert_err_plate", ""},
		{alert.KindWagon, "21 81 2471 217-3", "218124712173", "", ""},
		{alert.KindWagon, "218124712174", "", "alert_err_wagon_check", "3"},
		{alert.KindWagon, "5234567", "", "alert_err_wagon_format", ""},
		{alert.KindContainer, strings.Repeat("A", 40), "", "alert_err_ident_long", ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.typed, func(t *testing.T) {
			id, p := alert.ParseIdentifier(tt.kind, tt.typed)
			if tt.wantProblem == "" {
				if p != nil {
					t.Fatalf("problem %s %v", p.ID, p.Data)
				}
				if id.Norm != tt.wantNorm || id.Value != strings.Join(strings.Fields(tt.typed), " ") {
					t.Fatalf("got %+v, want norm %s and the value as typed", id, tt.wantNorm)
				}
				return
			}
			if p == nil || p.ID != tt.wantProblem {
				t.Fatalf("problem %v, want %s", p, tt.wantProblem)
			}
			if tt.expected != "" && p.Data["Expected"] != tt.expected {
				t.Fatalf("expected digit %v, want %s", p.Data["Expected"], tt.expected)
			}
		})
	}
}

func TestParsePlace(t *testing.T) {
	tests := []struct {
		typed       string
		wantLocode  string
		wantCountry string
		unknown     bool
		problem     string
	}{
		{"KZALA", "KZALA", "KZ", false, ""},
		{"kz ala", "KZALA", "KZ", false, ""},
		{"Herat", "AFHEA", "AF", false, ""},
		{"UZ Tashkent", "UZTAS", "UZ", false, ""},
		{"KZZZ9", "KZZZ9", "KZ", true, ""},
		{"KZAL1", "", "", false, "alert_err_locode"},
		{"K1ALA", "", "", false, "alert_err_place"},
		{"QQALA", "", "", false, "alert_err_locode"},
		{"TJ", "", "TJ", false, ""},
		{"TJ Some border post", "", "TJ", false, ""},
		{"Termez", "", "", false, "alert_err_place_ambiguous"},
		// In any script the network writes (bot/placename).
		{"Алматы", "KZALA", "KZ", false, ""},
		{"Алма-Ата", "KZALA", "KZ", false, ""},
		{"Тошкент", "UZTAS", "UZ", false, ""},
		{"Хоргос", "KZHOR", "KZ", false, ""},
		{"Qorghas", "KZHOR", "KZ", false, ""},
		{"UZ Termiz", "UZTER", "UZ", false, ""},
		{"ფოთი", "GEPTI", "GE", false, ""},
		{"کراچی", "PKKHI", "PK", false, ""},
		{"Nowhere at all", "", "", false, "alert_err_place"},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			p, prob := alert.ParsePlace("transit", tt.typed)
			if tt.problem != "" {
				if prob == nil || prob.ID != tt.problem {
					t.Fatalf("problem %v, want %s (place %+v)", prob, tt.problem, p)
				}
				return
			}
			if prob != nil {
				t.Fatalf("problem %s %v", prob.ID, prob.Data)
			}
			if p.Locode != tt.wantLocode || p.Country != tt.wantCountry || p.Unknown != tt.unknown {
				t.Fatalf("got %+v", p)
			}
		})
	}
}

func TestValidLocode(t *testing.T) {
	for s, want := range map[string]bool{"KZALA": true, "UAODS": true, "PKKHI": true, "KZ2A9": true,
		"KZA1A": false, "KZAL0": false, "kzala": false, "KZAL": false, "KZALAA": false, "1ZALA": false} {
		if got := alert.ValidLocode(s); got != want {
			t.Errorf("ValidLocode(%q) = %v, want %v", s, got, want)
		}
	}
}

// Every embedded place has a well-formed LOCODE: the copy from the UN/LOCODE file is sound.
func TestEmbeddedPlaces(t *testing.T) {
	for _, code := range []string{"KZALA", "UZTAS", "AFKBL", "PKKHI", "TMKRW", "GEPTI", "UAODS"} {
		p, ok := alert.LookupLocode(code)
		if !ok || !alert.ValidLocode(p.Locode) || p.Name == "" {
			t.Errorf("%s: %+v %v", code, p, ok)
		}
	}
}

// FuzzParseIdentifier: no input panics, a valid identifier is valid again from its normalized
// form, and a problem always has a message ID.
func FuzzParseIdentifier(f *testing.F) {
	for _, s := range []string{"CSQU3054383", "IMO 9074729", "176-12345675", "218124712173", "01 A 123 BC",
		"", "ÄÖÜ1234567", "٣٤٥٦٧٨٩", "<script>", "CSQU305438\u0663"} {
		f.Add(s)
	}
	kinds := alert.IdentKinds.Codes
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range kinds {
			id, p := alert.ParseIdentifier(k, s)
			if p != nil {
				if p.ID == "" {
					t.Fatalf("%s %q: problem without ID", k, s)
				}
				continue
			}
			if id.Norm == "" {
				t.Fatalf("%s %q: valid but empty norm", k, s)
			}
			again, p2 := alert.ParseIdentifier(k, id.Norm)
			if p2 != nil || again.Norm != id.Norm {
				t.Fatalf("%s %q: norm %q does not validate again: %v", k, s, id.Norm, p2)
			}
		}
		if _, p := alert.ParsePlace("loading", s); p != nil && p.ID == "" {
			t.Fatalf("place %q: problem without ID", s)
		}
	})
}

func TestSplitValuesAcceptsArabicSeparators(t *testing.T) {
	got := alert.SplitValues("MSCU1234566، TGHU7654321؛ ABC 123; X,Y")
	want := []string{"MSCU1234566", "TGHU7654321", "ABC 123", "X", "Y"}
	if len(got) != len(want) {
		t.Fatalf("alert.SplitValues = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("alert.SplitValues = %q, want %q", got, want)
		}
	}
}
