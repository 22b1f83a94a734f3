package alert

import (
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"

	"golang.org/x/text/language"

	"focalbot/bot/placename"
)

// placesCSV holds the UN/LOCODE places of the network's countries and neighbours; its header
// comment states the source (UNECE UN/LOCODE via @geoapify/un-locode) and which rows were kept.
//
//go:embed places.csv
var placesCSV string

// KnownPlace is a UN/LOCODE entry.
type KnownPlace struct {
	Locode   string
	Name     string
	Function string // UNECE function positions: 1 seaport, 2 rail, 3 road, 4 airport, 6 ICD, B border crossing
}

var places struct {
	once     sync.Once
	byLocode map[string]KnownPlace
	byName   map[string][]KnownPlace // folded name → places of that name
}

func loadPlaces() {
	places.byLocode = map[string]KnownPlace{}
	places.byName = map[string][]KnownPlace{}
	r := csv.NewReader(strings.NewReader(placesCSV))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		panic("alert: places.csv: " + err.Error()) // embedded at build time: a test catches it
	}
	for _, row := range rows[1:] {
		p := KnownPlace{Locode: row[0], Name: row[1], Function: row[3]}
		if _, dup := places.byLocode[p.Locode]; dup {
			continue
		}
		places.byLocode[p.Locode] = p
		k := placename.Key(p.Name)
		places.byName[k] = append(places.byName[k], p)
	}
}

// LookupLocode finds a place by its LOCODE.
func LookupLocode(locode string) (KnownPlace, bool) {
	places.once.Do(loadPlaces)
	p, ok := places.byLocode[locode]
	return p, ok
}

// placesNamed finds places by name, in any script (placename), optionally in one country.
func placesNamed(name, country string) []KnownPlace {
	places.once.Do(loadPlaces)
	var out []KnownPlace
	add := func(p KnownPlace) {
		for _, q := range out {
			if q.Locode == p.Locode {
				return
			}
		}
		if country == "" || p.Locode[:2] == country {
			out = append(out, p)
		}
	}
	for _, p := range places.byName[placename.Key(name)] {
		add(p)
	}
	for _, locode := range placename.Locodes(name) {
		if p, ok := places.byLocode[locode]; ok {
			add(p)
		}
	}
	return out
}

// ValidLocode reports whether s has the UN/LOCODE shape: a two-letter country code and three
// characters of A–Z and 2–9 (the digits 0 and 1 are left out to avoid O and I).
func ValidLocode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		c := s[i]
		letter := c >= 'A' && c <= 'Z'
		if i < 2 && !letter {
			return false
		}
		if i >= 2 && !letter && (c < '2' || c > '9') {
			return false
		}
	}
	return true
}

// Place is one stop of a route: a country and, where known, a UN/LOCODE, with its role.
type Place struct {
	Role    string `json:"role"`
	Country string `json:"country"`          // ISO 3166-1 alpha-2
	Locode  string `json:"locode,omitempty"` // empty when only the country (and a name) is known
	Name    string `json:"name,omitempty"`   // from the UN/LOCODE list, or as typed
	Unknown bool   `json:"unknown,omitempty"`
}

// ParsePlace reads a place as typed: "KZALA", "KZ ALA", "KZ Almaty", "Almaty" or "KZ". A
// well-formed LOCODE that is not in our list is accepted with Unknown set (the full list holds
// about 116,000 places); a malformed one is a problem.
func ParsePlace(role, typed string) (Place, *Problem) {
	p := Place{Role: role}
	v := strings.Join(strings.Fields(typed), " ")
	if v == "" {
		return p, &Problem{ID: "alert_err_empty"}
	}
	if len([]rune(v)) > 60 {
		return p, &Problem{ID: "alert_err_place", Data: map[string]any{"Value": v}}
	}
	up := strings.ToUpper(v)
	compact := strings.ReplaceAll(up, " ", "")
	// A place name first: "Herat" is a city, not the LOCODE HE RAT.
	if found := placesNamed(v, ""); len(found) == 1 {
		p.Country, p.Locode, p.Name = found[0].Locode[:2], found[0].Locode, found[0].Name
		return p, nil
	}
	// A LOCODE, written together or as "KZ ALA".
	if len(compact) == 5 && (len(up) == 5 || (len(up) == 6 && up[2] == ' ')) && isUpperASCII(compact[:2]) {
		if !ValidLocode(compact) || !ValidCountry(compact[:2]) {
			return p, &Problem{ID: "alert_err_locode", Data: map[string]any{"Value": v}}
		}
		p.Country, p.Locode = compact[:2], compact
		if k, ok := LookupLocode(compact); ok {
			p.Name = k.Name
		} else {
			p.Unknown = true
		}
		return p, nil
	}
	// A country alone.
	if len(up) == 2 && isUpperASCII(up) {
		if !ValidCountry(up) {
			return p, &Problem{ID: "alert_err_place", Data: map[string]any{"Value": v}}
		}
		p.Country = up
		return p, nil
	}
	// "KZ Almaty": a country and a name.
	country, name := "", v
	if len(up) > 3 && up[2] == ' ' && isUpperASCII(up[:2]) && ValidCountry(up[:2]) {
		country, name = up[:2], strings.TrimSpace(v[3:])
	}
	found := placesNamed(name, country)
	switch {
	case len(found) == 1:
		p.Country, p.Locode, p.Name = found[0].Locode[:2], found[0].Locode, found[0].Name
		return p, nil
	case country != "":
		// A place not in the list, in a known country: kept by name, without a LOCODE.
		p.Country, p.Name = country, name
		return p, nil
	case len(found) > 1:
		var codes []string
		for _, f := range found {
			codes = append(codes, f.Locode)
		}
		return p, &Problem{ID: "alert_err_place_ambiguous", Data: map[string]any{"Value": v, "Codes": strings.Join(codes, ", ")}, Choices: codes}
	}
	return p, &Problem{ID: "alert_err_place", Data: map[string]any{"Value": v}}
}

// ValidCountry reports whether cc is an ISO 3166-1 alpha-2 country code.
func ValidCountry(cc string) bool {
	if len(cc) != 2 || !isUpperASCII(cc) {
		return false
	}
	r, err := language.ParseRegion(cc)
	return err == nil && r.IsCountry()
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
