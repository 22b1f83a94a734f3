package console_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"focalbot/bot/sandbox/webdriver"
	"focalbot/bot/store"
)

// browserWait bounds each wait for the page: a failure bound, not a timing assertion.
const browserWait = 20 * time.Second

// fill adds what the pages show beyond the first alert: alerts of other substances and
// months, requests answered in time, late and not at all, and statuses of places (one expired).
func (n *net) fill() {
	n.t.Helper()
	ctx := context.Background()
	st := n.h.Store
	start := n.h.Clock.Now()
	analyst, fp := n.members[analystID].ID, n.members[fpID].ID
	for i, s := range []string{"cocaine", "heroin", "methamphetamine", "cannabis_resin", "heroin"} {
		n.h.Clock.Advance(-time.Duration(i+1) * 24 * 24 * time.Hour) // months back
		n.publish(s, "12 kg")
		n.h.Clock.Advance(time.Duration(i+1) * 24 * 24 * time.Hour)
	}
	for i, replyAfter := range []time.Duration{2 * time.Hour, 30 * time.Hour, -1} {
		created := start.Add(-time.Duration(i) * 30 * 24 * time.Hour)
		ref, err := store.NextRFIRef(ctx, st.DB, created.Year())
		if err != nil {
			n.t.Fatal(err)
		}
		id, err := store.InsertRFI(ctx, st.DB, store.RFI{Ref: ref, RequesterID: n.members[analystID].ID,
			TargetCountries: pq.StringArray{"KZ"}, Urgency: store.RFIRoutine, ReplyBy: created.Add(24 * time.Hour),
			EscalateAt: created.Add(48 * time.Hour), State: store.RFIOpen, CreatedAt: created})
		if err != nil {
			n.t.Fatal(err)
		}
		if _, err := store.InsertRFIMessage(ctx, st.DB, store.RFIMessage{RFIID: id, AuthorID: &analyst,
			Kind: store.RFIMsgRequest, Body: "Who owns container MSKU1234565?", Lang: "en", CreatedAt: created}); err != nil {
			n.t.Fatal(err)
		}
		if replyAfter > 0 {
			if _, err := store.InsertRFIMessage(ctx, st.DB, store.RFIMessage{RFIID: id, AuthorID: &fp,
				Kind: store.RFIMsgReply, Body: "A trading company in Almaty.", Lang: "en", CreatedAt: created.Add(replyAfter)}); err != nil {
				n.t.Fatal(err)
			}
		}
	}
	// A broadcast to Uzbekistan, acknowledged by one of its two recipients.
	bid, err := store.CreateBroadcastDraft(ctx, st.DB, analyst, "en", "Border crossing at Termez closed for three days.", "", "")
	if err != nil {
		n.t.Fatal(err)
	}
	if err := store.SetBroadcastText(ctx, st.DB, bid, "ru", "Пункт пропуска Термез закрыт на три дня."); err != nil {
		n.t.Fatal(err)
	}
	if err := store.UpdateBroadcastDraft(ctx, st.DB, &store.Broadcast{ID: bid, AuthorID: analyst, Priority: 1,
		Countries: pq.StringArray{"UZ"}, AckRequested: true, FallbackLang: "en"}); err != nil {
		n.t.Fatal(err)
	}
	if _, err := store.TransitionBroadcast(ctx, st.DB, bid, analyst, store.BroadcastDraft, store.BroadcastSent); err != nil {
		n.t.Fatal(err)
	}
	if err := store.RecordBroadcastSent(ctx, st.DB, bid, start, []store.Recipient{{MemberID: n.members[uzFPID].ID}, {MemberID: fp}}); err != nil {
		n.t.Fatal(err)
	}
	if _, err := store.AckBroadcast(ctx, st.DB, bid, n.members[uzFPID].ID, start.Add(time.Hour)); err != nil {
		n.t.Fatal(err)
	}
	for _, s := range []struct {
		locode, freight, passengers string
		valid                       time.Duration
	}{
		{"KZALA", "open", "restricted", 48 * time.Hour}, {"UZTAS", "restricted", "closed", 48 * time.Hour},
		{"UZTER", "closed", "closed", 48 * time.Hour}, {"AZBAK", "open", "open", -time.Hour}, {"UAODS", "restricted", "open", 72 * time.Hour},
	} {
		p, err := store.PlaceByLocode(ctx, st.DB, s.locode)
		if err != nil {
			n.t.Fatalf("place %s: %v", s.locode, err)
		}
		if _, err := store.InsertPlaceStatus(ctx, st.DB, store.PlaceStatus{PlaceID: p.ID, AuthorID: n.members[fpID].ID,
			Freight: s.freight, Passengers: s.passengers, PostedAt: start.Add(-2 * time.Hour), ValidUntil: start.Add(s.valid)}); err != nil {
			n.t.Fatal(err)
		}
	}
}

// The browser test of the issue: sign in through a /console link sent by the emulator, filter
// the register to one substance, open an alert and see its acknowledgement matrix, open the
// statistics and the map, download a CSV, sign out; any JavaScript error, console error or
// Content-Security-Policy violation fails it. Screenshots of each page at laptop and phone
// width go to FOCALBOT_SCREENSHOTS when set.
func TestConsoleInBrowser(t *testing.T) {
	n := newNet(t)
	n.fill()
	b := webdriver.Start(t)
	b.SetWindowSize(1280, 900)

	link := n.link(analystID)
	b.Open(link)
	b.WaitFor("the sign-in button", browserWait, nil, `return document.getElementById("signin")`)
	b.Screenshot("signin")
	b.Click(b.Find("#signin"))
	b.WaitFor("the register", browserWait, nil, `return document.getElementById("register")`)
	b.NoErrors()

	// Filter to one substance: choosing it submits the form.
	b.Click(b.Find(`#f-substance option[value="heroin"]`))
	var substances []string
	b.WaitFor("the register filtered to heroin", browserWait, &substances, `
		if (location.search.indexOf("substance=heroin") < 0 || !document.getElementById("register")) return null;
		return Array.from(document.querySelectorAll("#register td[data-substance]")).map(td => td.dataset.substance)`)
	if len(substances) != 3 {
		t.Errorf("the register filtered to heroin shows %d alerts, want 3: %v", len(substances), substances)
	}
	for _, s := range substances {
		if s != "heroin" {
			t.Errorf("the register filtered to heroin shows %q", s)
		}
	}
	b.NoErrors()
	screens(b, "register")

	// A CSV of the filtered view, as the download link fetches it (with the session's cookie).
	var got []any
	b.JS(&got, `var x = new XMLHttpRequest(); x.open("GET", document.getElementById("csv").href, false); x.send();
		return [x.status, x.getResponseHeader("Content-Type"), x.getResponseHeader("Content-Disposition"), x.responseText]`)
	if len(got) != 4 || got[0] != float64(200) || !strings.HasPrefix(got[1].(string), "text/csv") ||
		!strings.Contains(got[2].(string), "attachment") || strings.Count(got[3].(string), "\n") != 4 ||
		!strings.Contains(got[3].(string), `'=HYPERLINK`) {
		t.Errorf("CSV download: %v", got)
	}

	// The alert: its rendering and the acknowledgement matrix.
	b.Click(b.Find(`#register a[href="/alerts/` + n.alert.Ref + `"]`))
	var matrix string
	b.WaitFor("the acknowledgement matrix", browserWait, &matrix, `var m = document.getElementById("ack-matrix"); return m && m.innerText`)
	if !strings.Contains(matrix, "Dilshod") || !strings.Contains(matrix, "Aliya") {
		t.Errorf("the acknowledgement matrix lacks a recipient: %q", matrix)
	}
	b.NoErrors()
	screens(b, "alert")
	// Printed, the alert is a one-page brief.
	pdf := b.PrintPDF()
	if pages := len(pdfPage.FindAll(pdf, -1)); pages != 1 {
		t.Errorf("the printed alert has %d pages, want 1", pages)
	}
	if dir := os.Getenv("FOCALBOT_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, t.Name()+"-brief.pdf"), pdf, 0o644)
		b.SetWindowSize(794, 1123) // A4 at 96 dpi
		b.Must(b.Do("POST", b.Path("/goog/cdp/execute"), map[string]any{"cmd": "Emulation.setEmulatedMedia", "params": map[string]any{"media": "print"}}, nil))
		b.Screenshot("brief-print")
		b.Must(b.Do("POST", b.Path("/goog/cdp/execute"), map[string]any{"cmd": "Emulation.setEmulatedMedia", "params": map[string]any{"media": ""}}, nil))
		b.SetWindowSize(1280, 900)
	}

	b.Click(b.Find(`header nav a[href="/stats"]`))
	b.WaitFor("the charts", browserWait, nil, `return document.querySelectorAll("svg.chart").length === 5`)
	b.NoErrors()
	screens(b, "stats")

	b.Click(b.Find(`header nav a[href="/map"]`))
	var dots int
	b.WaitFor("the map", browserWait, &dots, `var n = document.querySelectorAll("svg.map circle.place").length; return n || null`)
	if dots != 5 {
		t.Errorf("the map shows %d places with a status, want 5", dots)
	}
	b.NoErrors()
	screens(b, "map")

	b.Click(b.Find(`header nav a[href="/requests"]`))
	b.WaitFor("the requests", browserWait, nil, `return document.querySelectorAll("table.list tbody tr").length === 3`)
	b.NoErrors()
	screens(b, "requests")

	b.Click(b.Find(`header nav a[href="/broadcasts"]`))
	b.WaitFor("the broadcasts", browserWait, nil, `return document.querySelector('table.list a[href="/broadcasts/1"]')`)
	b.Click(b.Find(`table.list a[href="/broadcasts/1"]`))
	b.WaitFor("the broadcast", browserWait, nil, `return location.pathname === "/broadcasts/1" && document.querySelectorAll("section.version").length === 2`)
	b.NoErrors()
	screens(b, "broadcast")

	// Right to left: the same register in Pashto.
	if _, err := n.h.Store.DB.Exec(`UPDATE members SET language = 'ps' WHERE id = $1`, n.members[analystID].ID); err != nil {
		t.Fatal(err)
	}
	b.Click(b.Find(`header nav a[href="/alerts"]`))
	b.WaitFor("the register in Pashto", browserWait, nil, `return document.documentElement.dir === "rtl" && document.getElementById("register")`)
	b.NoErrors()
	screens(b, "register-ps")

	b.Click(b.Find("#signout"))
	b.WaitFor("the signed-out page", browserWait, nil, `return location.pathname === "/signed-out" && document.getElementById("message")`)
	b.Open(n.h.App().ConsoleURL() + "/alerts")
	var text string
	b.WaitFor("the refusal", browserWait, &text, `var m = document.getElementById("message"); return m && m.innerText`)
	if !strings.Contains(text, "/console") {
		t.Errorf("after sign-out the register answers %q", text)
	}
	// The refusal is a 401, which the browser logs; nothing else may have gone wrong.
	for _, e := range b.PageErrors() {
		if !strings.Contains(e, "/alerts - Failed to load resource: the server responded with a status of 401") {
			t.Errorf("page error: %s", e)
		}
	}
}

// pdfPage matches a page object of a PDF (not the /Pages tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// screens keeps a screenshot of the page at laptop width and one at phone width.
func screens(b *webdriver.Browser, name string) {
	b.Screenshot(name + "-laptop")
	b.SetWindowSize(412, 860)
	b.Screenshot(name + "-phone")
	b.SetWindowSize(1280, 900)
}
