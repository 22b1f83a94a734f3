package console_test

import (
	"context"
	"fmt"
	stdhtml "html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/store"
)

// appNotice is the notice above a Mini App page ("" for none), as HTML.
func appNotice(html string) string {
	m := appNoticeRE.FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return m[1]
}

var appNoticeRE = regexp.MustCompile(`(?s)<p class="notice" id="app-notice">(.*?)</p>`)

// rfiCount is how many requests exist.
func rfiCount(t *testing.T, db interface {
	GetContext(context.Context, any, string, ...any) error
}) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM rfis`); err != nil {
		t.Fatal(err)
	}
	return n
}

// The Mini App's request form offers what the chat's /ask offers beyond countries and CARICC,
// by the chat's rules and with its refusals: one named member (only a member the chat
// would offer: active, not the asker, not an observer), a typed reply-by time read in the
// asker's zone, and the alert the request is about (only one the asker may see, refused alike
// when it does not exist). Every refusal creates nothing; the named member receives the
// request, with its deadline and alert as typed, and no text of it passes through Telegram.
func TestConfidentialRequestFormFields(t *testing.T) {
	const askerUID, namedUID, uzUID, analystUID, observerUID, suspendedUID = 8701, 8702, 8703, 8704, 8705, 8706
	h, ms := confidentialNet(t, map[int64][3]string{
		askerUID: {"Aliya", store.RoleFocalPoint, "KZ"}, namedUID: {"Rustam", store.RoleFocalPoint, "TJ"},
		uzUID: {"Dilshod", store.RoleFocalPoint, "UZ"}, analystUID: {"John", store.RoleAnalyst, ""},
		observerUID: {"Olga", store.RoleObserver, ""}, suspendedUID: {"Farid", store.RoleFocalPoint, "AZ"}})
	ctx := context.Background()
	if _, err := h.Store.DB.ExecContext(ctx, `UPDATE members SET state = 'suspended' WHERE id = $1`, ms[suspendedUID].ID); err != nil {
		t.Fatal(err)
	}
	const secret = "SECRET-FIELDS consignee of TGHU 765432-1"
	asker, named := h.Person(askerUID, "Aliya", "en"), h.Person(namedUID, "Rustam", "en")
	init := func() string { return asker.InitData(h.Clock.Now()) }
	// The asker's own alert is theirs to name; the Uzbek member's, not yet published, is not.
	own := submitted(t, h, ms[askerUID], ms[analystUID], "MSKU 123456-5", "SECRET-ALERT own")
	unshared := submitted(t, h, ms[uzUID], ms[analystUID], "MSKU 123456-5", "SECRET-ALERT other")

	asker.Say("/ask")
	page := appURL(t, asker.WaitText("Write your request in the form"))
	form := appPage(t, page, init())
	id := func(uid int64) string { return strconv.FormatInt(ms[uid].ID, 10) }
	// The named members offered are the chat's: not the asker, the observer or the suspended member.
	if !strings.Contains(form, `<option value="`+id(namedUID)+`">Rustam (Tajikistan)</option>`) ||
		!strings.Contains(form, `<option value="`+id(analystUID)+`">John (`) {
		t.Errorf("the form does not offer Rustam and John by name: %s", form)
	}
	for _, uid := range []int64{askerUID, observerUID, suspendedUID} {
		if strings.Contains(form, `<option value="`+id(uid)+`"`) {
			t.Errorf("the form offers member %d by name", uid)
		}
	}
	if !strings.Contains(form, `name="reply_by_typed"`) || !strings.Contains(form, "UTC+5") || !strings.Contains(form, `name="alert_ref"`) {
		t.Errorf("the form lacks the typed reply-by (in the asker's zone) or the alert: %s", form)
	}

	good := func() url.Values {
		return url.Values{"member": {id(namedUID)}, "urgency": {"routine"}, "reply_by": {"24h"}, "text": {secret}}
	}
	with := func(kv ...string) url.Values {
		v := good()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	memberGone := "This member can no longer receive requests"
	for _, c := range []struct {
		what   string
		fields url.Values
		want   string
	}{
		{"a suspended member", with("member", id(suspendedUID)), memberGone},
		{"an observer", with("member", id(observerUID)), memberGone},
		{"the asker", with("member", id(askerUID)), memberGone},
		{"no such member", with("member", "99999999"), memberGone},
		{"not a member's ID", with("member", "Rustam"), memberGone},
		{"a member and a country without a focal point", with("country", "GE"), "No active focal point in"},
		{"nobody", with("member", ""), "Choose at least one country, or CARICC, first."},
		// The chat's order: the member's step comes before the reply-by and the alert.
		{"a suspended member and a wrong time", with("member", id(suspendedUID), "reply_by_typed", "soon"), memberGone},
		{"an empty text and a wrong time", with("text", "", "reply_by_typed", "soon"), "empty"},
		{"an unreadable time", with("reply_by_typed", "tomorrow noon"), "I could not read that time. Type it as 2026-03-05 14:00 (your time, UTC+5)"},
		{"a time past", with("reply_by_typed", "2020-01-01 10:00"), "That time has already passed"},
		{"a time too far", with("reply_by_typed", "31d"), "more than 30 days ahead"},
		{"a preset not offered", with("reply_by", "1h"), "Please use the buttons above"},
		{"a malformed alert", with("alert_ref", "ALR-26-1"), "An alert reference looks like ALR-2026-000123. Correct it, or leave the field empty."},
		{"an alert not shared", with("alert_ref", unshared.Ref), "There is no such alert, or it was not shared with you."},
		{"an alert that does not exist", with("alert_ref", "ALR-2026-999999"), "There is no such alert, or it was not shared with you."},
	} {
		code, html := appChange(t, page, "/submit", init(), c.fields)
		if code != 200 || !strings.Contains(appNotice(html), c.want) || !strings.Contains(html, `id="app-request-form"`) {
			t.Errorf("%s: %d, notice %q, want %q", c.what, code, appNotice(html), c.want)
		}
		if strings.Contains(c.what, "alert") && c.fields.Get("alert_ref") != "" && !strings.Contains(html, `value="`+c.fields.Get("alert_ref")+`"`) {
			t.Errorf("%s: the form does not keep the reference as typed", c.what)
		}
		if n := rfiCount(t, h.Store.DB); n != 0 {
			t.Fatalf("%s: %d requests created", c.what, n)
		}
	}
	// Whether the alert does not exist or is not shared, the answer is the same, word for word.
	_, a := appChange(t, page, "/submit", init(), with("alert_ref", unshared.Ref))
	_, b := appChange(t, page, "/submit", init(), with("alert_ref", "alr-2026-999999"))
	if appNotice(a) != appNotice(b) || appNotice(a) == "" {
		t.Errorf("an unshared alert is told %q, a missing one %q", appNotice(a), appNotice(b))
	}

	// To the named member, by a date and time typed in the asker's zone (Almaty, UTC+5),
	// about the asker's own alert typed in lower case without its leading zeros.
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	day := h.Clock.Now().In(almaty).AddDate(0, 0, 2)
	want := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, almaty)
	typed := day.Format("2006-01-02") + " 14:00"
	var year, num int
	if _, err := fmt.Sscanf(own.Ref, "ALR-%d-%d", &year, &num); err != nil {
		t.Fatal(err)
	}
	code, html := appChange(t, page, "/submit", init(), with("reply_by_typed", typed, "alert_ref", fmt.Sprintf("alr-%d-%d", year, num), "urgency", "urgent"))
	ref := regexp.MustCompile(`RFI-\d{4}-\d+`).FindString(html)
	if code != 200 || ref == "" || !strings.Contains(appNotice(html), ref) {
		t.Fatalf("the submission: %d %s", code, html)
	}
	// The writer sees the request as stored: its named target, its deadline in their zone, its alert.
	if !strings.Contains(html, `id="app-request"`) || !strings.Contains(stdhtml.UnescapeString(html), typed+"</bdi> (UTC+5)") ||
		!strings.Contains(html, `>`+own.Ref+`</a>`) || !strings.Contains(html, "Rustam") {
		t.Errorf("the created request's page: %s", html)
	}
	x, err := store.RFIByRef(ctx, h.Store.DB, ref)
	if err != nil {
		t.Fatal(err)
	}
	if x.TargetMemberID == nil || *x.TargetMemberID != ms[namedUID].ID || len(x.TargetCountries) != 0 || x.ToCARICC ||
		!x.ReplyBy.Equal(want) || x.AlertRef == nil || *x.AlertRef != own.Ref || x.Urgency != store.RFIUrgent {
		t.Errorf("the request stored: member %v, countries %v, CARICC %v, reply by %v (want %v), alert %v, urgency %s",
			x.TargetMemberID, x.TargetCountries, x.ToCARICC, x.ReplyBy, want, x.AlertRef, x.Urgency)
	}
	recips, err := store.RFIRecipients(ctx, h.Store.DB, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[int64]string{}
	for _, rc := range recips {
		roles[rc.MemberID] = rc.Role
	}
	if len(roles) != 2 || roles[ms[namedUID].ID] != store.RFITarget || roles[ms[analystUID].ID] != store.RFICopy {
		t.Errorf("recipients: %v", roles)
	}
	// The named member receives its header and Open, and reads the text in the Mini App.
	got := named.WaitText("New request for information")
	if !strings.Contains(got.Plain(), ref) || !strings.HasSuffix(appURL(t, got), "/app/requests/"+ref) {
		t.Fatalf("Rustam's message: %q %+v", got.Plain(), got.Buttons())
	}
	if html := appPage(t, strings.TrimSuffix(page, "new")+ref, named.InitData(h.Clock.Now())); !strings.Contains(html, "TGHU 765432-1") {
		t.Errorf("Rustam's Mini App page lacks the text: %s", html)
	}
	if n := h.Person(uzUID, "Dilshod", "en").Count(ref); n != 0 {
		t.Errorf("the Uzbek member, not asked, got %d messages of %s", n, ref)
	}
	noneSent(t, h, "SECRET", "TGHU")
}
