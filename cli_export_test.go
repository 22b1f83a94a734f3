package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
)

// The export has one row per real alert since the date: drills and older alerts are left out.
func TestExportAlerts(t *testing.T) {
	st, _ := storetest.New(t)
	ctx := context.Background()
	kz := "KZ"
	author, err := store.InsertMember(ctx, st.DB, store.Member{TelegramUserID: 1, Role: store.RoleFocalPoint, Country: &kz,
		Agency: "customs", State: store.StateActive})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		drill bool
		at    time.Time
	}{{false, day}, {true, day}, {false, day.AddDate(0, -2, 0)}} {
		content := alert.Content{Classification: alert.ClassUrgent, Drill: c.drill, Conveyance: "rail",
			Identifiers: []alert.Identifier{{Kind: alert.KindContainer, Value: "CSQU 3054383", Norm: "CSQU3054383"}},
			Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA"}}, Substance: "heroin"}
		ref, err := store.NextAlertRef(ctx, st.DB, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.InsertAlert(ctx, st.DB, &store.Alert{Ref: ref, AuthorID: author, AuthorCountry: &kz,
			Content: content, SubmittedAt: c.at}); err != nil {
			t.Fatal(i, err)
		}
	}
	var out bytes.Buffer
	if err := exportAlerts(ctx, st, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][0] != "ALR-2026-000001" || rows[1][7] != "loading:KZALA" || rows[1][8] != "CSQU3054383" {
		t.Fatalf("export: %q", rows)
	}
}

// Free text that a spreadsheet would read as a formula comes out escaped in every CSV: the
// alerts' export, the statuses' export and the places' listing.
func TestCSVEscapesFormulas(t *testing.T) {
	st, _ := storetest.New(t)
	ctx := context.Background()
	const evil = `=HYPERLINK("http://x")`
	kz := "KZ"
	author, err := store.InsertMember(ctx, st.DB, store.Member{TelegramUserID: 1, Role: store.RoleFocalPoint, Country: &kz,
		Agency: "customs", State: store.StateActive, DisplayName: evil})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ref, err := store.NextAlertRef(ctx, st.DB, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.InsertAlert(ctx, st.DB, &store.Alert{Ref: ref, AuthorID: author, AuthorCountry: &kz, SubmittedAt: day,
		Content: alert.Content{Classification: alert.ClassUrgent, Conveyance: "rail", Quantity: evil, Substance: "heroin"}}); err != nil {
		t.Fatal(err)
	}
	place, err := store.InsertPlace(ctx, st.DB, store.Place{Country: "KZ", Name: evil, NameLocal: "+7", Kinds: []string{"border_crossing"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.InsertPlaceStatus(ctx, st.DB, store.PlaceStatus{PlaceID: place, AuthorID: author, Freight: "open",
		Passengers: "open", Note: "@SUM(1)", NoteLang: "en", PostedAt: day, ValidUntil: day.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	exports := map[string]func(*bytes.Buffer) error{
		"export alerts":   func(b *bytes.Buffer) error { return exportAlerts(ctx, st, day.AddDate(0, 0, -1), b) },
		"export statuses": func(b *bytes.Buffer) error { return writeStatusesCSV(ctx, st, "KZ", b) },
		"places list":     func(b *bytes.Buffer) error { return placesList(ctx, st, []string{"-country", "KZ"}, b) },
	}
	for name, export := range exports {
		var out bytes.Buffer
		if err := export(&out); err != nil {
			t.Fatal(name, err)
		}
		text := out.String()
		rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatal(name, err)
		}
		found := false
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q is not escaped", name, cell)
				}
				found = found || cell == "'"+evil
			}
		}
		if !found && name != "export statuses" {
			t.Errorf("%s: no escaped %q in %q", name, evil, rows)
		}
		if name == "export statuses" && !strings.Contains(text, "'@SUM(1)") {
			t.Errorf("%s: note not escaped: %q", name, rows)
		}
	}
}
