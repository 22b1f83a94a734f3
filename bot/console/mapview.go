package console

//go:generate go run ./internal/genregion -in /tmp/package/countries-50m.json -out region.json

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"focalbot/bot/csvsafe"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// region.json holds the borders of the network's countries and their neighbours, cut from
// Natural Earth (public domain) by internal/genregion: see there for the source and how to
// make it again.
//
//go:embed region.json
var regionJSON []byte

type regionData struct {
	Countries []struct {
		Code  string         `json:"code"`
		Name  string         `json:"name"`
		Rings [][][2]float64 `json:"rings"`
	} `json:"countries"`
}

// The map's view (degrees) and projection: equirectangular, longitudes shrunk by the cosine of
// the region's middle latitude so that shapes look as people know them.
const (
	viewMinLon, viewMaxLon = 21.0, 88.5
	viewMinLat, viewMaxLat = 23.0, 56.0
	midLat                 = 40.0
	unitsPerDegree         = 12.0
)

func project(lon, lat float64) (x, y float64) {
	return (lon - viewMinLon) * unitsPerDegree * math.Cos(midLat*math.Pi/180), (viewMaxLat - lat) * unitsPerDegree
}

// labelAt places the names of the ten countries (lon, lat).
var labelAt = map[string][2]float64{
	"AF": {65.5, 33.8}, "AZ": {47.7, 40.4}, "GE": {43.6, 42.2}, "KZ": {67.0, 48.3}, "KG": {74.5, 41.6},
	"PK": {69.5, 29.0}, "TJ": {71.0, 38.7}, "TM": {59.0, 39.3}, "UA": {31.5, 49.0}, "UZ": {63.5, 41.9},
}

// basemap is the countries drawn once: it does not depend on the viewer but for the labels.
var basemap = func() string {
	var rd regionData
	if err := json.Unmarshal(regionJSON, &rd); err != nil {
		panic("console: region.json: " + err.Error())
	}
	var b strings.Builder
	for _, c := range rd.Countries {
		class := "land"
		if c.Code != "" {
			class = "land net"
		}
		fmt.Fprintf(&b, `<path class="%s" d="`, class)
		for _, r := range c.Rings {
			for i, p := range r {
				x, y := project(p[0], p[1])
				if i == 0 {
					fmt.Fprintf(&b, "M%.1f %.1f", x, y)
				} else {
					fmt.Fprintf(&b, "L%.1f %.1f", x, y)
				}
			}
			b.WriteString("Z")
		}
		fmt.Fprintf(&b, `"><title>%s</title></path>`, html.EscapeString(c.Name))
	}
	return b.String()
}()

// statusColor is the colour of a traffic state on the map.
var statusColor = map[string]string{"open": "#1a9850", "restricted": "#f39c12", "closed": "#d73027"}

// mapRow is a place of the map's table.
type mapRow struct {
	store.MapPlace
	Expired bool
}

func (s *Server) mapPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	country := ""
	for _, c := range store.NetworkCountries {
		if q.Get("country") == c {
			country = c
		}
	}
	all := q.Get("all") == "1"
	places, err := store.MapPlaces(ctx, s.o.Store.DB, country, all)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.o.Now()
	rows := make([]mapRow, len(places))
	for i, p := range places {
		rows[i] = mapRow{MapPlace: p, Expired: p.ValidUntil != nil && !p.ValidUntil.After(now)}
	}
	if q.Get("format") == "csv" {
		out := [][]string{csvsafe.Row("locode", "country", "name", "name_local", "kinds", "lat", "lon", "freight", "passengers",
			"posted_at", "valid_until", "expired")}
		for _, p := range rows {
			out = append(out, csvsafe.Row(p.LocodeOf(), p.Country, p.Name, p.NameLocal, strings.Join(p.Kinds, " "),
				coord(p.Lat), coord(p.Lon), deref(p.Freight), deref(p.Passengers), utc(p.PostedAt), utc(p.ValidUntil),
				strconv.FormatBool(p.Expired)))
		}
		s.auditExport(ctx, v, "map", q.Encode())
		s.writeCSV(w, "board.csv", out)
		return
	}
	p := &page{s: s, Lang: v.lang}
	s.render(w, r, http.StatusOK, "map", v.lang, v, map[string]any{
		"Rows": rows, "Q": q, "SVG": s.mapSVG(p, rows, now), "All": all,
		"CSV": "/map?" + withFormat(q.Encode())})
}

func withFormat(query string) string {
	if query == "" {
		return "format=csv"
	}
	return query + "&format=csv"
}

func coord(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 4, 64)
}

// mapSVG draws the region, the ten countries named in the viewer's language, and each place
// as a dot: filled with the colour of its freight status, ringed with that of its passenger
// status; an expired status is drawn hollow and dashed.
func (s *Server) mapSVG(p *page, rows []mapRow, now time.Time) template.HTML {
	w, h := project(viewMaxLon, viewMinLat)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="map" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><rect class="sea" width="%.0f" height="%.0f"/>`,
		w, h, html.EscapeString(p.Word("console_nav_map")), w, h)
	b.WriteString(basemap)
	for cc, at := range labelAt {
		x, y := project(at[0], at[1])
		fmt.Fprintf(&b, `<text class="country" x="%.0f" y="%.0f" text-anchor="middle">%s</text>`, x, y, html.EscapeString(i18n.CountryName(p.Lang, cc)))
	}
	for _, r := range rows {
		if r.Lat == nil || r.Lon == nil {
			continue
		}
		x, y := project(*r.Lon, *r.Lat)
		name := r.Name
		if r.Freight == nil {
			fmt.Fprintf(&b, `<circle class="nostatus" cx="%.1f" cy="%.1f" r="2"><title>%s</title></circle>`, x, y, html.EscapeString(name))
			continue
		}
		title := name + " — " + p.Word("console_col_freight") + ": " + p.Word("st_word_"+*r.Freight) + "; " +
			p.Word("console_col_passengers") + ": " + p.Word("st_word_"+deref(r.Passengers))
		class, fill := "place", statusColor[*r.Freight]
		if r.Expired {
			class, fill = "place expired", "#ffffff"
			title += " (" + p.Word("console_expired") + ")"
		}
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="6" fill="%s" stroke="%s"><title>%s</title></circle>`,
			class, x, y, fill, statusColor[deref(r.Passengers)], html.EscapeString(title))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
