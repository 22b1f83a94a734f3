package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"focalbot/bot/csvsafe"
	"focalbot/bot/store"
)

// export writes data for analysis as CSV on standard output:
//
//	focalbot export alerts --since 2026-01-01
//
// Drills are left out, as from the register and statistics. Free text is left out too: the
// export is for counting and linking, and the text stays in the bot.
func export(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "alerts" {
		return usageError{fmt.Errorf("export: say what to export: focalbot export alerts --since 2026-01-01")}
	}
	fs := flag.NewFlagSet("export alerts", flag.ContinueOnError)
	since := fs.String("since", "", "first day (YYYY-MM-DD, UTC) of submission to include")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	from, err := time.Parse(time.DateOnly, *since)
	if err != nil {
		return usageError{fmt.Errorf("export alerts: --since must be a date such as 2026-01-01")}
	}
	st, _, err := openDatabase(ctx, os.Getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	return exportAlerts(ctx, st, from, os.Stdout)
}

// exportAlerts writes one row per alert, with its acknowledgement counts.
func exportAlerts(ctx context.Context, st *store.Store, since time.Time, out io.Writer) error {
	alerts, err := store.AlertsSince(ctx, st.DB, since)
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	_ = w.Write([]string{"ref", "state", "classification", "submitted_at", "published_at", "author_country",
		"conveyance", "route", "containers", "seals", "imo", "bl_awb", "plates", "wagons",
		"substance", "quantity", "risks", "concealment", "audience", "recipients", "acknowledged"})
	for _, a := range alerts {
		c := a.Content
		ids := map[string][]string{}
		for _, id := range c.Identifiers {
			ids[id.Kind] = append(ids[id.Kind], id.Norm)
		}
		var route []string
		for _, p := range c.Route {
			place := p.Locode
			if place == "" {
				place = p.Country
			}
			route = append(route, p.Role+":"+place)
		}
		counts, err := store.AlertAckCounts(ctx, st.DB, a.ID)
		if err != nil {
			return err
		}
		published := ""
		if a.PublishedAt != nil {
			published = a.PublishedAt.UTC().Format(time.RFC3339)
		}
		row := csvsafe.Row(a.Ref, a.State, a.Classification, a.SubmittedAt.UTC().Format(time.RFC3339), published,
			deref(a.AuthorCountry), c.Conveyance, strings.Join(route, " "),
			strings.Join(ids["container"], " "), strings.Join(ids["seal"], " "), strings.Join(ids["imo"], " "),
			strings.Join(ids["bl"], " "), strings.Join(ids["plate"], " "), strings.Join(ids["wagon"], " "),
			c.Substance, c.Quantity, strings.Join(c.Risks, " "), c.Concealment, deref(a.Audience),
			fmt.Sprint(counts.Total), fmt.Sprint(counts.Acked))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
