package alert

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Content is what an author says in an alert: the structured fields, the free text in the
// author's language, and attachments by Telegram file_id. A draft is a Content in progress.
type Content struct {
	Classification string       `json:"classification,omitempty"`
	Drill          bool         `json:"drill,omitempty"` // an exercise: marked everywhere, kept out of the register
	Conveyance     string       `json:"conveyance,omitempty"`
	Identifiers    []Identifier `json:"identifiers,omitempty"`
	Route          []Place      `json:"route,omitempty"`
	Goods          string       `json:"goods,omitempty"` // declared goods, HS code optional
	Substance      string       `json:"substance,omitempty"`
	Quantity       string       `json:"quantity,omitempty"`
	Risks          []string     `json:"risks,omitempty"`
	Concealment    string       `json:"concealment,omitempty"`
	Text           string       `json:"text,omitempty"`
	Lang           string       `json:"lang,omitempty"` // the language the free text was written in
	Attachments    []Attachment `json:"attachments,omitempty"`
}

// Attachment is a photo or document by Telegram file_id: forwarded, never downloaded.
type Attachment struct {
	Kind   string `json:"kind"` // photo | document
	FileID string `json:"file_id"`
	Name   string `json:"name,omitempty"`
	// Caption is what the author wrote with the file: free text, shown as written, escaped and
	// labelled with Lang, the language it was written in.
	Caption string `json:"caption,omitempty"`
	Lang    string `json:"lang,omitempty"`
}

// CheckCaption checks an attachment's caption: it goes out as the file's caption, under our
// heading, so it must fit Telegram's caption limit; longer is refused, never cut.
func CheckCaption(s string) *Problem {
	if n := UTF16Len(s); n > MaxCaptionLen {
		return &Problem{ID: "alert_err_too_long", Data: map[string]any{"Max": MaxCaptionLen, "Length": n}}
	}
	return nil
}

// Value stores Content as jsonb.
func (c Content) Value() (driver.Value, error) { return json.Marshal(c) }

// Scan reads Content from jsonb.
func (c *Content) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, c)
	case string:
		return json.Unmarshal([]byte(v), c)
	case nil:
		*c = Content{}
		return nil
	}
	return fmt.Errorf("alert content: cannot scan %T", src)
}

// AddIdentifier adds an identifier unless the same one is there already.
func (c *Content) AddIdentifier(id Identifier) *Problem {
	for _, x := range c.Identifiers {
		if x.Kind == id.Kind && x.Norm == id.Norm {
			return nil
		}
	}
	if len(c.Identifiers) >= MaxIdents {
		return &Problem{ID: "alert_err_too_many_idents", Data: map[string]any{"Max": MaxIdents}}
	}
	c.Identifiers = append(c.Identifiers, id)
	return nil
}

// AddPlace appends a stop to the route.
func (c *Content) AddPlace(p Place) *Problem {
	if len(c.Route) >= MaxPlaces {
		return &Problem{ID: "alert_err_too_many_places", Data: map[string]any{"Max": MaxPlaces}}
	}
	// Keep the route in travel order (loading, transit, discharge, destination) whatever the
	// order of typing: a transit added from the review after the destination goes before it.
	// Places of one role keep the order they were typed in.
	at := len(c.Route)
	for i, q := range c.Route {
		if roleRank(q.Role) > roleRank(p.Role) {
			at = i
			break
		}
	}
	c.Route = append(c.Route[:at], append([]Place{p}, c.Route[at:]...)...)
	return nil
}

// roleRank is a route role's place in travel order; an unknown role goes last.
func roleRank(role string) int {
	for i, r := range RouteRoles.Codes {
		if r == role {
			return i
		}
	}
	return len(RouteRoles.Codes)
}

// AddAttachment adds a photo or document, at most MaxFiles.
func (c *Content) AddAttachment(a Attachment) *Problem {
	if len(c.Attachments) >= MaxFiles {
		return &Problem{ID: "alert_err_too_many_files", Data: map[string]any{"Max": MaxFiles}}
	}
	c.Attachments = append(c.Attachments, a)
	return nil
}

// ToggleRisk adds or removes a risk indicator.
func (c *Content) ToggleRisk(code string) {
	for i, r := range c.Risks {
		if r == code {
			c.Risks = append(c.Risks[:i], c.Risks[i+1:]...)
			return
		}
	}
	c.Risks = append(c.Risks, code)
}

// CheckShortText checks goods or quantity: at most MaxShortText characters.
func CheckShortText(s string) *Problem {
	if n := utf8.RuneCountInString(s); n > MaxShortText {
		return &Problem{ID: "alert_err_too_long", Data: map[string]any{"Max": MaxShortText, "Length": n}}
	}
	return nil
}

// CheckText checks the free text: at most MaxText characters, so that the whole alert fits in
// one Telegram message in every language. Longer text is refused, never cut.
func CheckText(s string) *Problem {
	if n := utf8.RuneCountInString(s); n > MaxText {
		return &Problem{ID: "alert_err_too_long", Data: map[string]any{"Max": MaxText, "Length": n}}
	}
	return nil
}

// Missing lists what a draft still needs before it can be submitted: a classification, a
// conveyance, and something to act on (an identifier or a description).
func (c *Content) Missing() []Problem {
	var out []Problem
	if !Classifications.Has(c.Classification) {
		out = append(out, Problem{ID: "alert_err_missing", Field: "alert_label_classification"})
	}
	if !Conveyances.Has(c.Conveyance) {
		out = append(out, Problem{ID: "alert_err_missing", Field: "alert_label_conveyance"})
	}
	if len(c.Identifiers) == 0 && c.Text == "" {
		out = append(out, Problem{ID: "alert_err_missing_subject"})
	}
	return out
}

// Countries lists the countries of the route, in route order, each once.
func (c *Content) Countries() []string {
	var out []string
	for _, p := range c.Route {
		if p.Country != "" {
			out = appendOnce(out, p.Country)
		}
	}
	return out
}
