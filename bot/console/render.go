package console

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/i18n"
)

// parseTemplates reads every page: the layout and one page file each.
func (s *Server) parseTemplates() error {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "shared" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/shared.html", f)
		if err != nil {
			return fmt.Errorf("console template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// funcs are the helpers of the templates beyond the page's methods.
var funcs = template.FuncMap{
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"deref64": func(n *int64) int64 {
		if n == nil {
			return 0
		}
		return *n
	},
}

// page is what every template gets: the viewer's language and direction, the words of the
// console, and the page's own data.
type page struct {
	s    *Server
	Lang string
	Dir  string // "rtl" for Pashto, Dari and Urdu
	Name string // the page, for the navigation
	V    *viewer
	Data map[string]any
	zone *time.Location
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, lang string, v *viewer, data map[string]any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p := &page{s: s, Lang: lang, Dir: "ltr", Name: name, V: v, Data: data, zone: time.UTC}
	if i18n.RightToLeft(lang) {
		p.Dir = "rtl"
	}
	if v != nil {
		p.zone = v.member.Zone()
	}
	if z, ok := data["Zone"].(*time.Location); ok { // a Mini App page: a member without a session
		p.zone = z
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.o.Log.Error("console template failed", "page", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// T is a message in the viewer's language; args are pairs of placeholder name and value.
// Values are escaped by the bundle, so the result is safe HTML.
func (p *page) T(id string, args ...any) template.HTML {
	var data map[string]any
	if len(args) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	return template.HTML(p.s.o.I18n.T(p.Lang, id, data))
}

// Word is the plain text of a message (for attributes and options), without markup.
func (p *page) Word(id string) string { return plainText(p.s.o.I18n.T(p.Lang, id, nil)) }

// Country is a country's name in the viewer's language; "" for none.
func (p *page) Country(cc any) string {
	switch c := cc.(type) {
	case string:
		if c == "" {
			return ""
		}
		return i18n.CountryName(p.Lang, c)
	case *string:
		if c == nil || *c == "" {
			return ""
		}
		return i18n.CountryName(p.Lang, *c)
	}
	return ""
}

// Time shows a time in the viewer's zone, "—" for none; isolated left to right, so a
// right-to-left page does not swap its date and hour.
func (p *page) Time(t any) template.HTML {
	var s string
	switch v := t.(type) {
	case time.Time:
		if !v.IsZero() {
			s = v.In(p.zone).Format("2006-01-02 15:04")
		}
	case *time.Time:
		if v != nil {
			s = v.In(p.zone).Format("2006-01-02 15:04")
		}
	}
	if s == "" {
		return "—"
	}
	return template.HTML(`<bdi dir="ltr">` + s + `</bdi>`)
}

// Zone names the viewer's zone, shown once per page beside the times.
func (p *page) Zone() string { return alert.ZoneName(time.Now(), p.zone) }

// Duration shows seconds as hours and minutes.
func (p *page) Duration(sec *float64) string {
	if sec == nil {
		return "—"
	}
	m := int(math.Round(*sec / 60))
	return plainText(p.s.o.I18n.T(p.Lang, "console_duration", map[string]any{"Hours": m / 60, "Minutes": m % 60}))
}

// Vocab is the translation of a code of a controlled list ("alert_subst_" + "heroin").
func (p *page) Vocab(prefix, code string) string {
	if code == "" {
		return "—"
	}
	return p.Word(prefix + code)
}

// plainText strips the few tags our messages carry (<b>, <i>, <code>) and unescapes entities,
// for text that goes into attributes and options (html/template escapes it again).
func plainText(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// ViewerName is the signed-in member's name.
func (p *page) ViewerName() string {
	if p.V == nil {
		return ""
	}
	return p.V.member.DisplayName
}
