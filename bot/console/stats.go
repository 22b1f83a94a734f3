package console

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/csvsafe"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// The charts are drawn here as SVG, on the server: bars and lines need a few rectangles and
// labels, which a template writes as easily as a chart library would, with nothing to ship,
// load or keep up to date, no JavaScript needed to see them, and they print. Each chart comes
// with its table (the same numbers, readable by screen readers) and its CSV.

// palette colours the series of a chart; distinct in print and for the common colour-vision
// deficiencies as far as twelve colours can be (after Paul Tol's "muted" and "light" schemes).
var palette = []string{"#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
	"#882255", "#AA4499", "#77AADD", "#EE8866", "#BBCC33", "#AAAA00", "#DDDDDD"}

// statPeriod reads the statistics' period (UTC months): by default the last twelve months.
func statPeriod(q url.Values, now time.Time) (from, to time.Time) {
	now = now.UTC()
	to = time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	from = to.AddDate(-1, 0, 0)
	if t, err := time.Parse("2006-01", q.Get("from")); err == nil {
		from = t
	}
	if t, err := time.Parse("2006-01", q.Get("to")); err == nil {
		to = t.AddDate(0, 1, 0)
	}
	if !to.After(from) || to.Sub(from) > 10*366*24*time.Hour {
		to = from.AddDate(1, 0, 0)
	}
	return from, to
}

// months lists the months of [from, to) as YYYY-MM.
func months(from, to time.Time) []string {
	var out []string
	for t := from; t.Before(to); t = t.AddDate(0, 1, 0) {
		out = append(out, t.Format("2006-01"))
	}
	return out
}

// series is one key of a monthly chart: its label and a count per month.
type series struct {
	Key, Label string
	Color      string // the bars' fill
	Class      string // the legend's swatch: the same colour, from the style sheet (no inline styles under the CSP)
	N          []int
	Total      int
}

// monthly is a stacked monthly bar chart with its table.
type monthly struct {
	Name, Title string
	Months      []string
	Series      []series
	Totals      []int
	SVG         template.HTML
	CSV         string
}

// statCharts are the monthly charts, by name: what they count by and the message of their title.
var statCharts = []struct{ Name, By, Title, Prefix string }{
	{"substance", "substance", "console_chart_substance", alert.Substances.Prefix},
	{"country", "country", "console_chart_country", ""},
	{"conveyance", "conveyance", "console_chart_conveyance", alert.Conveyances.Prefix},
}

func (p *page) keyLabel(prefix, key string) string {
	switch {
	case key == "":
		return p.Word("console_unspecified")
	case prefix == "":
		return i18n.CountryName(p.Lang, key)
	}
	return p.Word(prefix + key)
}

func (s *Server) monthlyChart(r *http.Request, p *page, name, by, title, prefix string, from, to time.Time) (*monthly, error) {
	counts, err := store.AlertsPerMonth(r.Context(), s.o.Store.DB, by, from, to)
	if err != nil {
		return nil, err
	}
	ms := months(from, to)
	idx := map[string]int{}
	for i, m := range ms {
		idx[m] = i
	}
	byKey := map[string]*series{}
	for _, c := range counts {
		sr, ok := byKey[c.Key]
		if !ok {
			sr = &series{Key: c.Key, Label: p.keyLabel(prefix, c.Key), N: make([]int, len(ms))}
			byKey[c.Key] = sr
		}
		if i, ok := idx[c.Month]; ok {
			sr.N[i] += c.N
			sr.Total += c.N
		}
	}
	var list []series
	for _, sr := range byKey {
		list = append(list, *sr)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Total != list[j].Total {
			return list[i].Total > list[j].Total
		}
		return list[i].Key < list[j].Key
	})
	totals := make([]int, len(ms))
	for i := range list {
		list[i].Color = palette[i%len(palette)]
		list[i].Class = fmt.Sprintf("c%d", i%len(palette))
		for m, n := range list[i].N {
			totals[m] += n
		}
	}
	c := &monthly{Name: name, Title: p.Word(title), Months: ms, Series: list, Totals: totals,
		CSV: "/stats/" + name + "?" + r.URL.RawQuery}
	c.SVG = stackedBars(c.Title, ms, list, totals)
	return c, nil
}

// stackedBars draws monthly stacked bars: one column per month, one colour per series.
func stackedBars(title string, ms []string, list []series, totals []int) template.HTML {
	const w, h, left, bottom, top = 720.0, 260.0, 40.0, 40.0, 10.0
	peak := 1
	for _, t := range totals {
		peak = max(peak, t)
	}
	step := niceStep(peak)
	peak = ((peak + step - 1) / step) * step
	plotH := h - bottom - top
	colW := (w - left - 10) / float64(max(len(ms), 1))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, html.EscapeString(title))
	for v := 0; v <= peak; v += step {
		y := top + plotH - float64(v)/float64(peak)*plotH
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" class="grid"/><text x="%.0f" y="%.1f" class="axis" text-anchor="end">%d</text>`,
			left, w-10, y, y, left-4, y+4, v)
	}
	for m, month := range ms {
		x := left + float64(m)*colW + colW*0.15
		y := top + plotH
		for _, sr := range list {
			if sr.N[m] == 0 {
				continue
			}
			bh := float64(sr.N[m]) / float64(peak) * plotH
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`,
				x, y, colW*0.7, bh, sr.Color, month, html.EscapeString(sr.Label), sr.N[m])
		}
		if len(ms) <= 12 || m%2 == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" class="axis" text-anchor="middle">%s</text>`, x+colW*0.35, h-bottom+16, month[2:])
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceStep is a grid step giving about four lines up to peak: 1, 2, 5, 10, 20, 50…
func niceStep(peak int) int {
	for step := 1; ; step *= 10 {
		for _, f := range []int{1, 2, 5} {
			if peak/(step*f) <= 4 {
				return step * f
			}
		}
	}
}

// ackChart is the time from publication to acknowledgement per country.
type ackChart struct {
	Rows []store.AckTime
	SVG  template.HTML
	CSV  string
}

func (s *Server) ackChart(r *http.Request, p *page, from, to time.Time) (*ackChart, error) {
	rows, err := store.AckTimes(r.Context(), s.o.Store.DB, from, to)
	if err != nil {
		return nil, err
	}
	const w, rowH, left = 720.0, 26.0, 170.0
	peak := 60.0
	for _, a := range rows {
		if a.P90 != nil && *a.P90 > peak {
			peak = *a.P90
		}
	}
	h := rowH*float64(len(rows)) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, html.EscapeString(p.Word("console_chart_ack")))
	for i, a := range rows {
		y := 10 + float64(i)*rowH
		label := p.Word("console_no_country")
		if a.Country != "" {
			label = i18n.CountryName(p.Lang, a.Country)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="axis" text-anchor="end">%s</text>`, left-6, y+14, html.EscapeString(label))
		scale := (w - left - 20) / peak
		if a.P90 != nil {
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="18" fill="%s"><title>%s</title></rect>`, left, y, *a.P90*scale, palette[1], html.EscapeString(p.Word("console_col_p90")+": "+p.Duration(a.P90)))
		}
		if a.Median != nil {
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="18" fill="%s"><title>%s</title></rect>`, left, y, *a.Median*scale, palette[0], html.EscapeString(p.Word("console_col_median")+": "+p.Duration(a.Median)))
		}
	}
	b.WriteString(`</svg>`)
	return &ackChart{Rows: rows, SVG: template.HTML(b.String()), CSV: "/stats/ack?" + r.URL.RawQuery}, nil
}

// rfiChart is how requests were answered against their deadline, per month.
type rfiChart struct {
	Rows   []store.RFIDeadlines
	Series []series
	SVG    template.HTML
	CSV    string
}

func (s *Server) rfiChart(r *http.Request, p *page, from, to time.Time) (*rfiChart, error) {
	rows, err := store.RFIDeadlineCounts(r.Context(), s.o.Store.DB, from, to)
	if err != nil {
		return nil, err
	}
	ms := months(from, to)
	idx := map[string]int{}
	for i, m := range ms {
		idx[m] = i
	}
	list := []series{
		{Key: "in_time", Label: p.Word("console_rfi_in_time"), Color: palette[3], Class: "c3", N: make([]int, len(ms))},
		{Key: "late", Label: p.Word("console_rfi_late"), Color: palette[5], Class: "c5", N: make([]int, len(ms))},
		{Key: "nothing", Label: p.Word("console_rfi_nothing"), Color: palette[6], Class: "c6", N: make([]int, len(ms))},
	}
	totals := make([]int, len(ms))
	for _, row := range rows {
		if i, ok := idx[row.Month]; ok {
			list[0].N[i], list[1].N[i], list[2].N[i] = row.InTime, row.Late, row.Nothing
			totals[i] = row.Total
		}
	}
	return &rfiChart{Rows: rows, Series: list, SVG: stackedBars(p.Word("console_chart_rfi"), ms, list, totals),
		CSV: "/stats/rfi?" + r.URL.RawQuery}, nil
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request, v *viewer) {
	from, to := statPeriod(r.URL.Query(), s.o.Now())
	p := &page{s: s, Lang: v.lang}
	var charts []*monthly
	for _, c := range statCharts {
		m, err := s.monthlyChart(r, p, c.Name, c.By, c.Title, c.Prefix, from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		charts = append(charts, m)
	}
	ack, err := s.ackChart(r, p, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rfi, err := s.rfiChart(r, p, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "stats", v.lang, v, map[string]any{
		"Charts": charts, "Ack": ack, "RFI": rfi,
		"From": from.Format("2006-01"), "To": to.AddDate(0, -1, 0).Format("2006-01")})
}

// statsCSV is one chart's table as CSV: codes, months in UTC, durations in seconds.
func (s *Server) statsCSV(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	from, to := statPeriod(r.URL.Query(), s.o.Now())
	name := r.PathValue("chart")
	var out [][]string
	switch name {
	case "substance", "country", "conveyance":
		counts, err := store.AlertsPerMonth(ctx, s.o.Store.DB, name, from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, csvsafe.Row("month", name, "alerts"))
		for _, c := range counts {
			out = append(out, csvsafe.Row(c.Month, c.Key, strconv.Itoa(c.N)))
		}
	case "ack":
		rows, err := store.AckTimes(ctx, s.o.Store.DB, from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, csvsafe.Row("country", "recipients", "acknowledged", "median_seconds", "p90_seconds"))
		for _, a := range rows {
			out = append(out, csvsafe.Row(a.Country, strconv.Itoa(a.Recipients), strconv.Itoa(a.Acked), seconds(a.Median), seconds(a.P90)))
		}
	case "rfi":
		rows, err := store.RFIDeadlineCounts(ctx, s.o.Store.DB, from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, csvsafe.Row("month", "requests", "answered_in_time", "answered_late", "not_answered"))
		for _, d := range rows {
			out = append(out, csvsafe.Row(d.Month, strconv.Itoa(d.Total), strconv.Itoa(d.InTime), strconv.Itoa(d.Late), strconv.Itoa(d.Nothing)))
		}
	default:
		s.notFound(w, r, v)
		return
	}
	s.auditExport(ctx, v, "stats_"+name, r.URL.RawQuery)
	s.writeCSV(w, "stats-"+name+".csv", out)
}

func seconds(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 0, 64)
}
