package console_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"focalbot/bot/console"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
)

// appPost posts a Mini App request: init_data, and the CSRF token when not empty.
func appPost(t *testing.T, target, initData, csrf string) (int, string) {
	t.Helper()
	form := url.Values{"init_data": {initData}}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var appCSRFRE = regexp.MustCompile(`data-csrf="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := appCSRFRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page: %s", page)
	}
	return m[1]
}

// initData is checked as Telegram prescribes, including values that a second unescaping
// (go-telegram/bot's helper) would spoil.
func TestVerifyInitData(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const token = "123:secret"
	good := telegramtest.SignInitData(token, 77, "A+B %41 Ünal", "en", now)
	u, err := console.VerifyInitData(good, token, now.Add(59*time.Minute))
	if err != nil || u.ID != 77 || !u.AuthDate.Equal(now) {
		t.Fatalf("good initData: %+v, %v", u, err)
	}
	v, _ := url.ParseQuery(good)
	v.Set("user", `{"id":78,"first_name":"A+B %41 Ünal","language_code":"en"}`)
	for name, data := range map[string]string{
		"another bot's token": telegramtest.SignInitData("123:other", 77, "A", "en", now),
		"user changed":        v.Encode(),
		"no hash":             strings.Replace(good, "hash=", "hush=", 1),
		"empty":               "",
	} {
		if _, err := console.VerifyInitData(data, token, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := console.VerifyInitData(good, token, now.Add(time.Hour+time.Second)); err == nil {
		t.Error("initData older than an hour: accepted")
	}
}

// Every Mini App request is refused unless its initData is signed with the bot's key, less
// than an hour old, and its user an active member who may see the alert; a change also needs
// the CSRF token of that user.
func TestMiniAppRefusals(t *testing.T) {
	n := newNet(t)
	ctx := context.Background()
	const tjID, suspendedID = 8203, 8204
	for _, x := range []struct {
		id    int64
		name  string
		state string
	}{{tjID, "Farrukh", store.StateActive}, {suspendedID, "Bakyt", store.StateSuspended}} {
		tj := "TJ"
		if _, err := store.InsertMember(ctx, n.h.Store.DB, store.Member{TelegramUserID: x.id, DisplayName: x.name,
			Role: store.RoleFocalPoint, Agency: "customs", Language: "en", State: x.state, Country: &tj}); err != nil {
			t.Fatal(err)
		}
	}
	// The suspended member was a recipient before being suspended.
	susp, err := store.MemberByTelegramID(ctx, n.h.Store.DB, suspendedID)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddRecipients(ctx, n.h.Store.DB, n.alert.ID, []int64{susp.ID}); err != nil {
		t.Fatal(err)
	}
	base := n.h.App().ConsoleURL()
	page := base + "/app/alerts/" + n.alert.Ref
	now := n.h.Clock.Now()
	sign := func(uid int64, at time.Time) string {
		return telegramtest.SignInitData(n.h.TG.Token(), uid, "x", "en", at)
	}
	secret := "MSKU 123456-5"

	// The page Telegram opens holds nothing of the alert.
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	shell, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(shell), secret) || !strings.Contains(string(shell), `data-view="/app/alerts/`+n.alert.Ref+`"`) {
		t.Fatalf("shell: %d %s", resp.StatusCode, shell)
	}
	// The recipient sees it.
	if code, body := appPost(t, page, sign(uzFPID, now), ""); code != http.StatusOK || !strings.Contains(body, secret) {
		t.Fatalf("recipient: %d %s", code, body)
	}
	_, missing := appPost(t, base+"/app/alerts/ALR-2026-999999", sign(tjID, now), "")
	for name, c := range map[string]struct {
		initData string
		want     int
	}{
		"wrong signature":      {telegramtest.SignInitData("999:forged", uzFPID, "x", "en", now), http.StatusUnauthorized},
		"older than an hour":   {sign(uzFPID, now.Add(-time.Hour-time.Minute)), http.StatusUnauthorized},
		"no initData":          {"", http.StatusUnauthorized},
		"outside the audience": {sign(tjID, now), http.StatusNotFound},
		"suspended member":     {sign(suspendedID, now), http.StatusForbidden},
		"not a member at all":  {sign(99999, now), http.StatusForbidden},
	} {
		code, body := appPost(t, page, c.initData, "")
		if code != c.want || strings.Contains(body, secret) {
			t.Errorf("%s: %d (want %d), content shown: %v", name, code, c.want, strings.Contains(body, secret))
		}
		if name == "outside the audience" && body != missing {
			t.Errorf("outside the audience: the answer differs from a missing alert's:\n%s\n%s", body, missing)
		}
	}

	// Acknowledging: the analyst is a recipient who has not acknowledged yet.
	analystData := sign(analystID, now)
	_, view := appPost(t, page, analystData, "")
	token := csrfOf(t, view)
	_, otherView := appPost(t, page, sign(uzFPID, now), "")
	for name, c := range map[string]string{"no CSRF token": "", "another user's token": csrfOf(t, otherView), "a forged token": "AAAA"} {
		if code, _ := appPost(t, page+"/ack", analystData, c); code != http.StatusForbidden {
			t.Errorf("acknowledge with %s: %d, want 403", name, code)
		}
	}
	counts, err := store.AlertAckCounts(ctx, n.h.Store.DB, n.alert.ID)
	if err != nil || counts.Acked != 1 {
		t.Fatalf("acknowledgements before: %+v, %v", counts, err)
	}
	if code, body := appPost(t, page+"/ack", analystData, token); code != http.StatusOK || !strings.Contains(body, `id="app-notice"`) {
		t.Fatalf("acknowledge: %d %s", code, body)
	}
	if counts, err = store.AlertAckCounts(ctx, n.h.Store.DB, n.alert.ID); err != nil || counts.Acked != 2 {
		t.Fatalf("acknowledgements after: %+v, %v", counts, err)
	}
}

// A Mini App form is read within a bound before initData is checked: a body past it is
// refused whole, so nobody can make the server store a large body (as temporary files) with a
// page that takes no files. The same form with a small part is read as usual.
func TestMiniAppBodyBounded(t *testing.T) {
	n := newNet(t)
	page := n.h.App().ConsoleURL() + "/app/alerts/" + n.alert.Ref
	fields := url.Values{"init_data": {telegramtest.SignInitData(n.h.TG.Token(), uzFPID, "x", "en", n.h.Clock.Now())}}
	if code, body := appMultipart(t, page, fields, appFile{"small.bin", bytes.Repeat([]byte{'x'}, 1<<10)}); code != http.StatusOK || !strings.Contains(body, "MSKU 123456-5") {
		t.Fatalf("a small body: %d", code)
	}
	if code, body := appMultipart(t, page, fields, appFile{"large.bin", bytes.Repeat([]byte{'x'}, 2<<20)}); code != http.StatusUnauthorized || strings.Contains(body, "MSKU 123456-5") {
		t.Fatalf("a body past the bound: %d, want 401 and nothing shown", code)
	}
}
