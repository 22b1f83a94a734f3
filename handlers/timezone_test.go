package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
	"focalbot/locales"
)

// The one time policy (#14): every time is shown in the reader's zone with the zone named, typed
// times are read in the typer's zone, and /language lets a member choose another zone.

const fsiMark, pdiMark = "\u2068", "\u2069"

// The same alert, published at 09:00 UTC, reaches a Kazakh reader as 14:00 UTC+5 and a
// Georgian reader as 13:00 UTC+4, each in their language. The Georgian then chooses UTC under
// /language: the alert opened again shows 09:00 UTC, and the choice is marked; Default takes
// them back to their country's zone.
func TestAlertTimeInEachReadersZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := bottest.Start(t, handlers.Register)
	const author, analyst, kazakh, georgian = 9501, 9502, 9503, 9504
	ids := netSeed(t, h,
		netPerson{author, "Aliya", "en", store.RoleFocalPoint, "UZ", "customs"},
		netPerson{analyst, "John", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{kazakh, "Asel", "kk", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{georgian, "Nino", "ka", store.RoleFocalPoint, "GE", "customs"},
	)
	kz, ge := h.Person(kazakh, "Asel", "kk"), h.Person(georgian, "Nino", "ka")
	const ref = "ALR-2026-000301"
	now := h.Clock.Now() // 2026-03-02 09:00 UTC
	uzc := "UZ"
	al := &store.Alert{Ref: ref, AuthorID: ids[author], AuthorCountry: &uzc, SubmittedAt: now,
		Content: alert.Content{Classification: alert.ClassUrgent, Text: "Container TGHU8765431", Lang: "en"}}
	id, err := store.InsertAlert(ctx, h.Store.DB, al)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, h.Store.DB, id, 1, store.AlertPublished, ids[analyst], "", "all", now); err != nil {
		t.Fatal(err)
	}
	readers := []int64{ids[kazakh], ids[georgian]}
	if err := store.AddRecipients(ctx, h.Store.DB, id, readers); err != nil {
		t.Fatal(err)
	}
	items := []delivery.Item{
		{MemberID: ids[kazakh], ChatID: kazakh, Kind: "alert", RefID: id, Priority: delivery.Urgent},
		{MemberID: ids[georgian], ChatID: georgian, Kind: "alert", RefID: id, Priority: delivery.Urgent},
	}
	if _, err := delivery.Enqueue(ctx, h.Store.DB, items); err != nil {
		t.Fatal(err)
	}
	kzGot, geGot := kz.WaitText(ref), ge.WaitText(ref)
	for _, c := range []struct {
		got       telegramtest.Message
		want, not string
	}{{kzGot, "2026-03-02 14:00 UTC+5", "13:00"}, {geGot, "2026-03-02 13:00 UTC+4", "14:00"}} {
		if p := c.got.Plain(); !strings.Contains(p, c.want) || strings.Contains(p, c.not) || strings.Contains(p, "09:00") {
			t.Errorf("want the time %q:\n%s", c.want, p)
		}
	}
	if !strings.Contains(kzGot.Plain(), i18n.CountryName("kk", "UZ")) || !strings.Contains(geGot.Plain(), i18n.CountryName("ka", "UZ")) {
		t.Errorf("the Kazakh reader does not read Kazakh:\n%s", kzGot.Plain())
	}

	// The Georgian chooses UTC under /language.
	langs := next(t, ge, func() { ge.Say("/language") })
	if _, data := buttonWith(t, langs, "UTC+4"); data != "tz" { // the button that opens the choice names the zone
		t.Fatalf("the time zone button carries %q", data)
	}
	ge.ClickOn(langs.ID, "tz")
	ge.WaitOn(langs.ID, "13:00 UTC+4") // the choice, in place of the languages
	panel, _ := ge.Message(langs.ID)
	if label, _ := buttonWith(t, panel, "tz:def"); !strings.HasPrefix(label, "✓ ") || !strings.Contains(label, "UTC+4") {
		t.Errorf("the default is not marked as the choice: %q", label)
	}
	for _, want := range []string{"tz:KZ", "tz:GE", "tz:AF", "tz:UA", "tz:utc"} {
		buttonWith(t, panel, want)
	}
	if label, _ := buttonWith(t, panel, "tz:AF"); !strings.Contains(label, "UTC+4:30") {
		t.Errorf("Afghanistan's button: %q", label)
	}
	ge.ClickOn(langs.ID, "tz:utc")
	ge.WaitOn(langs.ID, "09:00 UTC")
	m, err := store.MemberByID(ctx, h.Store.DB, ids[georgian])
	if err != nil || m.TimeZone == nil || *m.TimeZone != "UTC" {
		t.Fatalf("the choice is not stored: %+v %v", m, err)
	}
	again := ge.SayWait("/alert "+ref, ref)
	if p := again.Plain(); !strings.Contains(p, "2026-03-02 09:00 UTC") || strings.Contains(p, "UTC+4") {
		t.Errorf("after choosing UTC the alert shows:\n%s", p)
	}
	langs = next(t, ge, func() { ge.Say("/language") })
	ge.ClickOn(langs.ID, "tz")
	ge.WaitOn(langs.ID, "09:00 UTC")
	panel, _ = ge.Message(langs.ID)
	if label, _ := buttonWith(t, panel, "tz:utc"); label != "✓ UTC" {
		t.Errorf("the choice is not marked: %q", label)
	}
	ge.ClickOn(langs.ID, "tz:def")
	ge.WaitOn(langs.ID, "13:00 UTC+4")
	if m, _ := store.MemberByID(ctx, h.Store.DB, ids[georgian]); m.TimeZone != nil {
		t.Errorf("Default left the choice %q", *m.TimeZone)
	}
	// A forged zone is refused; an outsider is not offered the choice.
	ge.ClickData(langs.ID, "tz:ZZ")
	h.WaitIdle()
	if m, _ := store.MemberByID(ctx, h.Store.DB, ids[georgian]); m.TimeZone != nil {
		t.Errorf("a forged press chose %q", *m.TimeZone)
	}
	out := h.Person(9509, "Visitor", "en")
	if m := next(t, out, func() { out.Say("/language") }); len(m.Buttons()) != 13 {
		t.Errorf("an outsider's /language: %+v", m.Buttons())
	}
}

// buttonWith finds a button of m whose label or data contains s and returns its label and data.
func buttonWith(t *testing.T, m telegramtest.Message, s string) (string, string) {
	t.Helper()
	for _, b := range m.Buttons() {
		if b.CallbackData == s || strings.Contains(b.Text, s) {
			return b.Text, b.CallbackData
		}
	}
	t.Fatalf("no button %q in %+v", s, m.Buttons())
	return "", ""
}

// A Georgian focal point types a reply-by time: the prompt names their zone (UTC+4), the
// typed 2026-03-05 14:00 is 10:00 UTC, and the Uzbek recipient reads it as 15:00 UTC+5.
func TestTypedDeadlineReadInTheTypersZone(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const georgian, uzbek = 9511, 9512
	netSeed(t, h,
		netPerson{georgian, "Nino", "en", store.RoleFocalPoint, "GE", "customs"},
		netPerson{uzbek, "Dilshod", "en", store.RoleFocalPoint, "UZ", "customs"},
	)
	ge, uz := h.Person(georgian, "Nino", "en"), h.Person(uzbek, "Dilshod", "en")
	ge.SayWait("/ask", "Whom do you ask?")
	ge.Click("Uzbekistan")
	ge.ClickWait("Next →", "Write your request")
	ge.SayWait("Seal 0412233 on container TGHU8765431: on record?", "Added.")
	ge.ClickWait("Done", "How urgent")
	ge.ClickWait("Routine", "By when")
	ge.WaitText("2026-03-05 14:00 (your time, UTC+4)")
	ge.SayWait("2026-03-05 14", "I could not read that time. Type it as 2026-03-05 14:00 (your time, UTC+4)")
	ge.SayWait("2026-03-05 14:00", "Is this about an alert?")
	ge.ClickWait("Skip", "Check your request")
	if review, _ := ge.LastMessage(); !strings.Contains(review.Plain(), "Reply by: 2026-03-05 14:00 UTC+4") {
		t.Errorf("review:\n%s", review.Plain())
	}
	ge.ClickWait("Send", "Request RFI-2026-000001 sent")
	var replyBy time.Time
	if err := h.Store.DB.Get(&replyBy, `SELECT reply_by FROM rfis WHERE ref = 'RFI-2026-000001'`); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC); !replyBy.Equal(want) {
		t.Errorf("reply by %v, want %v", replyBy.UTC(), want)
	}
	uz.WaitText("Reply by: 2026-03-05 15:00 UTC+5")
}

// The access request asks the visitor who they are, one line: empty, non-text and over-long
// answers are refused (nothing filed), several lines become one, direction controls are taken
// out; the admins read it escaped, and in Urdu isolated.
func TestAccessRequestAsksWhoAndWhichUnit(t *testing.T) {
	t.Parallel()
	const adminUID = 9521
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Admin", "ur")
	next(t, admin, func() { admin.Say("/start") }) // the bot learns the admin's language from Telegram
	u := h.Person(9522, "Visitor", "en")
	closed := u.SayWait("/start", "closed network")
	u.Click("Request access")
	u.WaitNew("who you are and which unit")
	filed := func() bool {
		_, err := store.MemberByTelegramID(context.Background(), h.Store.DB, u.ID())
		return err == nil
	}
	u.SayWait(strings.Repeat("я", 201), "at most 200 characters")
	u.SendPhoto("")
	u.WaitCount("at most 200 characters", 2)
	if filed() {
		t.Fatal("a refused answer filed a request")
	}
	u.SayWait("Bakhyt \u202eSeitkali,\nshift lead <b>Khorgos</b> post 2", "Your request was sent")
	m, err := store.MemberByTelegramID(context.Background(), h.Store.DB, u.ID())
	if err != nil || m.State != store.StatePending || m.AccessNote != "Bakhyt Seitkali, shift lead <b>Khorgos</b> post 2" {
		t.Fatalf("on record: %+v %v", m, err)
	}
	req := admin.WaitText("Khorgos")
	if !strings.Contains(req.Text, fsiMark+"Bakhyt Seitkali, shift lead &lt;b&gt;Khorgos&lt;/b&gt; post 2"+pdiMark) {
		t.Errorf("the admin's request:\n%s", req.Text)
	}
	if n := auditCount(t, h, "access_requested", &m.ID); n != 1 {
		t.Errorf("%d access_requested entries", n)
	}
	// Pressing the button again (an old copy) is told the request is on record.
	u.ClickData(closed.ID, "join")
	u.WaitToast("already")
}

// The status board, a place and a subscriber's news isolate the place's names and code for a
// right-to-left reader: "Torkham" and "PKTOR" keep their order beside Urdu text.
func TestStatusPlaceNamesIsolatedForRightToLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := bottest.Start(t, handlers.Register)
	const urdu = 9531
	ids := netSeed(t, h, netPerson{urdu, "Imran", "ur", store.RoleFocalPoint, "PK", "customs"})
	ur := h.Person(urdu, "Imran", "ur")
	now := h.Clock.Now()
	place := stPlaceID(t, h, "PKTOR")
	if _, err := store.InsertPlaceStatus(ctx, h.Store.DB, store.PlaceStatus{PlaceID: place, AuthorID: ids[urdu],
		Freight: "open", Passengers: "closed", NoteLang: "ur", PostedAt: now, ValidUntil: now.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	board := ur.SayWait("/status PK", "Torkham")
	place1 := ur.SayWait("/status PKTOR", "2026-03-05")
	for _, m := range []telegramtest.Message{board, place1} {
		if !strings.Contains(m.Text, fsiMark+"<b>Torkham</b>"+pdiMark) || !strings.Contains(m.Text, "("+fsiMark+"PKTOR"+pdiMark+")") {
			t.Errorf("place name not isolated:\n%q", m.Text)
		}
	}
	if !strings.Contains(place1.Text, fsiMark+"2026-03-05 14:00 UTC+5"+pdiMark) {
		t.Errorf("the validity is not the reader's time, isolated:\n%q", place1.Text)
	}
}

// The choice of zone labels each zone by its country, in the reader's language, and offset:
// every such label fits a phone's row in every language (TestButtonLabelsFitAPhone holds the
// locale's labels; these are built in code).
func TestZoneLabelsFitAPhone(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) // summer: Kyiv at UTC+3
	for _, lang := range b.Languages() {
		for _, cc := range alert.ZoneCountries(at) {
			z, _ := alert.CountryZone(cc)
			label := "✓ " + i18n.CountryName(lang, cc) + " · " + alert.ZoneName(at, alert.Zone(nil, &z))
			if w := bot.LabelWidth(label); w > bot.RowBudget(1) {
				t.Errorf("%s: %q is %d wide, over the %d of a row", lang, label, w, bot.RowBudget(1))
			}
		}
	}
}
