package main

import (
	"bytes"
	"context"
	"encoding/csv"
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
