// Command genregion cuts the region of the network out of Natural Earth's country borders and
// writes them compactly for the console's map (bot/console/region.json).
//
// Source: Natural Earth 1:50m Admin 0 – Countries (public domain, naturalearthdata.com), as
// packaged in TopoJSON by the npm package world-atlas 2.0.2 (ISC licence, Mike Bostock). Get it
// with `npm pack world-atlas@2.0.2` in a scratch folder and unpack it, then from bot/console:
//
//	go run ./internal/genregion -in /tmp/package/countries-50m.json -out region.json
//
// Kept: every country whose borders reach into the region's box, each polygon clipped to the
// box (Sutherland–Hodgman), coordinates rounded to 0.01° and points closer than 0.04° to the
// previous one dropped. Natural Earth draws Crimea as part of Russia (its "de facto" view);
// following UN General Assembly resolution 68/262, and as the network's member Ukraine
// expects, the ring of Russia lying wholly within the peninsula is moved to Ukraine.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
)

// The box around the ten countries, with room for their neighbours.
const (
	minLon, maxLon = 17.0, 92.0
	minLat, maxLat = 21.0, 57.0
)

// network maps ISO 3166-1 numeric codes (world-atlas ids) of the ten countries to alpha-2.
var network = map[string]string{"004": "AF", "031": "AZ", "268": "GE", "398": "KZ", "417": "KG",
	"586": "PK", "762": "TJ", "795": "TM", "804": "UA", "860": "UZ"}

type topology struct {
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects struct {
		Countries struct {
			Geometries []struct {
				Type       string            `json:"type"`
				ID         string            `json:"id"`
				Properties map[string]string `json:"properties"`
				Arcs       json.RawMessage   `json:"arcs"`
			} `json:"geometries"`
		} `json:"countries"`
	} `json:"objects"`
}

// Country is one country of the output: its alpha-2 code for the ten (empty for neighbours),
// its English name and its polygons' rings as [lon, lat] pairs.
type Country struct {
	Code  string         `json:"code,omitempty"`
	Name  string         `json:"name"`
	Rings [][][2]float64 `json:"rings"`
}

func main() {
	in := flag.String("in", "", "world-atlas countries-50m.json")
	out := flag.String("out", "region.json", "output file")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		log.Fatal(err)
	}
	arcs := decodeArcs(&t)
	var countries []Country
	for _, g := range t.Objects.Countries.Geometries {
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				log.Fatal(err)
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				log.Fatal(err)
			}
		default:
			continue
		}
		c := Country{Code: network[g.ID], Name: g.Properties["name"]}
		for _, p := range polys {
			for _, ring := range p {
				pts := clip(assemble(arcs, ring))
				if r := simplify(pts); len(r) >= 4 {
					c.Rings = append(c.Rings, r)
				}
			}
		}
		if len(c.Rings) > 0 {
			countries = append(countries, c)
		}
	}
	moveCrimea(countries)
	sort.Slice(countries, func(i, j int) bool { return countries[i].Name < countries[j].Name })
	b, err := json.Marshal(map[string]any{
		"source": "Natural Earth 1:50m Admin 0 - Countries (public domain), via world-atlas 2.0.2 (ISC)",
		"box":    [4]float64{minLon, minLat, maxLon, maxLat}, "countries": countries})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d countries, %d bytes\n", len(countries), len(b))
}

func decodeArcs(t *topology) [][][2]float64 {
	out := make([][][2]float64, len(t.Arcs))
	sx, sy := t.Transform.Scale[0], t.Transform.Scale[1]
	tx, ty := t.Transform.Translate[0], t.Transform.Translate[1]
	for i, arc := range t.Arcs {
		var x, y float64
		pts := make([][2]float64, len(arc))
		for j, d := range arc {
			x += d[0]
			y += d[1]
			pts[j] = [2]float64{x*sx + tx, y*sy + ty}
		}
		out[i] = pts
	}
	return out
}

// assemble joins a ring's arcs; ~i stands for arc i reversed.
func assemble(arcs [][][2]float64, ring []int) [][2]float64 {
	var pts [][2]float64
	for k, i := range ring {
		var a [][2]float64
		if i >= 0 {
			a = arcs[i]
		} else {
			src := arcs[^i]
			a = make([][2]float64, len(src))
			for j := range src {
				a[j] = src[len(src)-1-j]
			}
		}
		if k > 0 && len(a) > 0 {
			a = a[1:]
		}
		pts = append(pts, a...)
	}
	return pts
}

// clip cuts a ring to the box, one edge at a time (Sutherland–Hodgman).
func clip(pts [][2]float64) [][2]float64 {
	edges := []struct {
		inside func(p [2]float64) bool
		cross  func(a, b [2]float64) [2]float64
	}{
		{func(p [2]float64) bool { return p[0] >= minLon }, func(a, b [2]float64) [2]float64 { return atX(a, b, minLon) }},
		{func(p [2]float64) bool { return p[0] <= maxLon }, func(a, b [2]float64) [2]float64 { return atX(a, b, maxLon) }},
		{func(p [2]float64) bool { return p[1] >= minLat }, func(a, b [2]float64) [2]float64 { return atY(a, b, minLat) }},
		{func(p [2]float64) bool { return p[1] <= maxLat }, func(a, b [2]float64) [2]float64 { return atY(a, b, maxLat) }},
	}
	for _, e := range edges {
		if len(pts) == 0 {
			return nil
		}
		var out [][2]float64
		prev := pts[len(pts)-1]
		for _, p := range pts {
			switch {
			case e.inside(p) && !e.inside(prev):
				out = append(out, e.cross(prev, p), p)
			case e.inside(p):
				out = append(out, p)
			case e.inside(prev):
				out = append(out, e.cross(prev, p))
			}
			prev = p
		}
		pts = out
	}
	return pts
}

func atX(a, b [2]float64, x float64) [2]float64 {
	return [2]float64{x, a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0])}
}

func atY(a, b [2]float64, y float64) [2]float64 {
	return [2]float64{a[0] + (b[0]-a[0])*(y-a[1])/(b[1]-a[1]), y}
}

// simplify rounds to 0.01° and drops points within 0.04° of the last one kept.
func simplify(pts [][2]float64) [][2]float64 {
	var out [][2]float64
	for _, p := range pts {
		p = [2]float64{math.Round(p[0]*100) / 100, math.Round(p[1]*100) / 100}
		if n := len(out); n > 0 && math.Abs(out[n-1][0]-p[0]) < 0.04 && math.Abs(out[n-1][1]-p[1]) < 0.04 {
			continue
		}
		out = append(out, p)
	}
	return out
}

// moveCrimea moves Russia's rings lying wholly within the Crimean peninsula's box to Ukraine.
func moveCrimea(cs []Country) {
	var ru, ua *Country
	for i := range cs {
		switch cs[i].Name {
		case "Russia":
			ru = &cs[i]
		case "Ukraine":
			ua = &cs[i]
		}
	}
	if ru == nil || ua == nil {
		log.Fatal("genregion: Russia or Ukraine missing")
	}
	var keep [][][2]float64
	moved := 0
	for _, r := range ru.Rings {
		inside := true
		for _, p := range r {
			if p[0] < 32.4 || p[0] > 36.7 || p[1] < 44.3 || p[1] > 46.3 {
				inside = false
				break
			}
		}
		if inside {
			ua.Rings = append(ua.Rings, r)
			moved++
		} else {
			keep = append(keep, r)
		}
	}
	if moved == 0 {
		log.Fatal("genregion: no Crimean ring found in Russia's borders")
	}
	ru.Rings = keep
}
