package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/csvsafe"
	"focalbot/bot/store"
)

// focalbot places list|add|edit — the places of the status board — and
// focalbot export statuses — every posted status as CSV.

const placesUsage = `usage:
  focalbot places list [-country CC] [-all]
  focalbot places add -country CC -name NAME [-local NAME] [-locode LOCODE] [-kinds border_crossing,seaport,…]
  focalbot places edit <LOCODE or id> [-name NAME] [-local NAME] [-locode LOCODE|-] [-kinds …] [-active true|false]
kinds: ` + "border_crossing, seaport, dry_port, rail_terminal, road_terminal, airport"

// placesCLI runs `focalbot places …` against DATABASE_URL.
func placesCLI(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(placesUsage)}
	}
	st, err := cliStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "list":
		return placesList(ctx, st, args[1:], out)
	case "add":
		return placesAdd(ctx, st, args[1:], out)
	case "edit":
		return placesEdit(ctx, st, args[1:], out)
	}
	return usageError{fmt.Errorf("unknown places command %q\n%s", args[0], placesUsage)}
}

// cliStore opens the database of DATABASE_URL for a CLI command.
func cliStore(ctx context.Context) (*store.Store, error) {
	st, _, err := openDatabase(ctx, os.Getenv)
	return st, err
}

func placesList(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("places list", flag.ContinueOnError)
	country := fs.String("country", "", "only this country (ISO code)")
	all := fs.Bool("all", false, "include places taken off the board")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	places, err := store.Places(ctx, st.DB, strings.ToUpper(*country), *all)
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	_ = w.Write([]string{"id", "locode", "country", "name", "name_local", "kinds", "active"})
	for _, p := range places {
		_ = w.Write(csvsafe.Row(strconv.FormatInt(p.ID, 10), p.LocodeOf(), p.Country, p.Name, p.NameLocal,
			strings.Join(p.Kinds, " "), strconv.FormatBool(p.Active)))
	}
	w.Flush()
	return w.Error()
}

// placeFlags are the fields add and edit share; set reports which were given.
type placeFlags struct {
	fs                                  *flag.FlagSet
	country, name, local, locode, kinds *string
	active                              *string
}

func newPlaceFlags(name string) *placeFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &placeFlags{fs: fs,
		country: fs.String("country", "", "ISO code of a network country"),
		name:    fs.String("name", "", "name in Latin script"),
		local:   fs.String("local", "", "name in the local script"),
		locode:  fs.String("locode", "", "UN/LOCODE, or - for none"),
		kinds:   fs.String("kinds", "", "comma-separated kinds"),
		active:  fs.String("active", "", "true or false: on the board or not"),
	}
}

func (f *placeFlags) set() map[string]bool {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return set
}

// apply puts the given flags on p, checking each.
func (f *placeFlags) apply(p *store.Place) error {
	set := f.set()
	if set["country"] {
		cc := strings.ToUpper(*f.country)
		if !slices.Contains(store.NetworkCountries, cc) {
			return fmt.Errorf("-country %q: not one of the network's countries %v", *f.country, store.NetworkCountries)
		}
		p.Country = cc
	}
	if set["name"] {
		if strings.TrimSpace(*f.name) == "" {
			return errors.New("-name must not be empty")
		}
		p.Name = strings.TrimSpace(*f.name)
	}
	if set["local"] {
		p.NameLocal = strings.TrimSpace(*f.local)
	}
	if set["locode"] {
		if *f.locode == "-" || *f.locode == "" {
			p.Locode = nil
		} else {
			l := strings.ToUpper(strings.ReplaceAll(*f.locode, " ", ""))
			if !store.PlaceLocodePattern.MatchString(l) {
				return fmt.Errorf("-locode %q: a UN/LOCODE is a country code and three letters or digits 2-9", *f.locode)
			}
			p.Locode = &l
		}
	}
	if set["kinds"] {
		var kinds []string
		for _, k := range strings.Split(*f.kinds, ",") {
			k = strings.TrimSpace(k)
			if !slices.Contains(store.PlaceKinds, k) {
				return fmt.Errorf("-kinds: %q is not one of %v", k, store.PlaceKinds)
			}
			kinds = append(kinds, k)
		}
		p.Kinds = kinds
	}
	if set["active"] {
		v, err := strconv.ParseBool(*f.active)
		if err != nil {
			return fmt.Errorf("-active %q: true or false", *f.active)
		}
		p.Active = v
	}
	if p.Locode != nil && (*p.Locode)[:2] != p.Country {
		return fmt.Errorf("UN/LOCODE %s does not belong to country %s", *p.Locode, p.Country)
	}
	if len(p.Kinds) == 0 {
		return errors.New("-kinds: at least one kind")
	}
	return nil
}

func placesAdd(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
	f := newPlaceFlags("places add")
	if err := f.fs.Parse(args); err != nil {
		return usageError{err}
	}
	if set := f.set(); !set["country"] || !set["name"] {
		return usageError{errors.New("places add needs -country and -name\n" + placesUsage)}
	}
	p := store.Place{Kinds: []string{"border_crossing"}, Active: true}
	if err := f.apply(&p); err != nil {
		return usageError{err}
	}
	var id int64
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = store.InsertPlace(ctx, tx, p); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{Action: "place_added_cli", SubjectID: &id, After: p})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "place %d added: %s (%s)\n", id, p.Name, p.Country)
	return nil
}

func placesEdit(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{errors.New("places edit needs the place's LOCODE or id first\n" + placesUsage)}
	}
	ref := args[0]
	f := newPlaceFlags("places edit")
	if err := f.fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	var p *store.Place
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		p, err = store.PlaceByID(ctx, st.DB, id)
	} else {
		p, err = store.PlaceByLocode(ctx, st.DB, strings.ToUpper(ref))
	}
	if errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Errorf("no place %q", ref)}
	}
	if err != nil {
		return err
	}
	before := *p
	if err := f.apply(p); err != nil {
		return usageError{err}
	}
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := store.UpdatePlace(ctx, tx, *p); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{Action: "place_corrected_cli", SubjectID: &p.ID, Before: before, After: p})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "place %d saved: %s (%s)\n", p.ID, p.Name, p.LocodeOf())
	return nil
}

// exportStatusesCLI runs `focalbot export statuses [-country CC]`: every posted status, oldest
// first, as CSV on out. Times are UTC (RFC 3339); measures are the JSON of the controlled codes.
func exportStatusesCLI(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("export statuses", flag.ContinueOnError)
	country := fs.String("country", "", "only this country (ISO code)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	st, err := cliStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return writeStatusesCSV(ctx, st, strings.ToUpper(*country), out)
}

// writeStatusesCSV writes the statuses of a country ("" for all) as CSV.
func writeStatusesCSV(ctx context.Context, st *store.Store, country string, out io.Writer) error {
	rows, err := store.ExportStatuses(ctx, st.DB, country)
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	_ = w.Write([]string{"status_id", "locode", "country", "place", "freight", "passengers", "measures",
		"note", "note_language", "posted_at", "valid_until", "confirms_status_id", "author", "author_agency"})
	for _, r := range rows {
		measures, err := json.Marshal(r.Measures)
		if err != nil {
			return err
		}
		if r.Measures == nil {
			measures = []byte("[]")
		}
		confirms := ""
		if r.ConfirmsID != nil {
			confirms = strconv.FormatInt(*r.ConfirmsID, 10)
		}
		locode := ""
		if r.Locode != nil {
			locode = *r.Locode
		}
		_ = w.Write(csvsafe.Row(strconv.FormatInt(r.ID, 10), locode, r.Country, r.PlaceName, r.Freight, r.Passengers,
			string(measures), r.Note, r.NoteLang, r.PostedAt.UTC().Format(time.RFC3339), r.ValidUntil.UTC().Format(time.RFC3339),
			confirms, r.AuthorName, r.AuthorAgency))
	}
	w.Flush()
	return w.Error()
}
