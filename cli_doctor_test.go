package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
)

// doctorLines maps each check to its line's level (ok, warn, FAIL).
func doctorLines(t *testing.T, out string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(`^(ok|warn|FAIL) +([a-z]+): .+$`)
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line not of the form `level check: detail`: %q", l)
		}
		got[m[2]] = m[1]
	}
	return got
}

// `focalbot doctor` against the emulator and a test database: every check reports; with the
// bot running all is well; a webhook left set, a refused token and an unreachable database show.
func TestCLIDoctor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := bottest.Start(t, func(*bot.App) {})
	vars := map[string]string{"TELEGRAM_BOT_TOKEN": h.TG.Token(), "TELEGRAM_API_URL": h.TG.URL(), "DATABASE_URL": h.DBURL}
	waitFor := func(cond func() bool) {
		t.Helper()
		for i := 0; !cond(); i++ {
			if i > 500 {
				t.Fatal("timed out")
			}
			<-time.After(20 * time.Millisecond)
		}
	}
	waitFor(func() bool { return h.App().Polling() })

	var out bytes.Buffer
	if err := runDoctor(ctx, env(vars), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Logf("doctor with the bot running:\n%s", out.String())
	want := map[string]string{"config": "ok", "token": "ok", "webhook": "ok", "database": "ok", "migrations": "ok", "clock": "ok", "leases": "ok"}
	if got := doctorLines(t, out.String()); !equalMaps(got, want) {
		t.Errorf("with the bot running: %v, want %v\n%s", got, want, out.String())
	}
	if !strings.Contains(out.String(), "@"+h.TG.BotUsername()) {
		t.Errorf("the bot's name missing:\n%s", out.String())
	}

	// Stopped, with a webhook left set at Telegram: both are warned about, not failed.
	h.Stop()
	setWebhook(t, h.TG, "https://bot.example.org/hook")
	out.Reset()
	if err := runDoctor(ctx, env(vars), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := doctorLines(t, out.String())
	if got["webhook"] != "warn" || got["leases"] != "warn" || got["token"] != "ok" {
		t.Errorf("stopped, webhook set: %v\n%s", got, out.String())
	}

	// A refused token and a database that is not there fail, and say what to do.
	other := telegramtest.NewServer(telegramtest.WithToken("7000000002:AAotherTOKENotherTOKEN"))
	defer other.Close()
	bad := map[string]string{"TELEGRAM_BOT_TOKEN": h.TG.Token(), "TELEGRAM_API_URL": other.URL(),
		"DATABASE_URL": strings.Replace(storetest.ServerURL(t), "/postgres?", "/no_such_database_here?", 1)}
	out.Reset()
	if err := runDoctor(ctx, env(bad), &out); err == nil {
		t.Fatalf("doctor passed with a refused token and no database:\n%s", out.String())
	}
	t.Logf("doctor with a refused token and no database:\n%s", out.String())
	got = doctorLines(t, out.String())
	if got["token"] != "FAIL" || got["database"] != "FAIL" {
		t.Errorf("refused token, no database: %v\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "@BotFather") || !strings.Contains(out.String(), "DATABASE_URL") {
		t.Errorf("no advice:\n%s", out.String())
	}
	if strings.Contains(out.String(), h.TG.Token()) {
		t.Errorf("the token is printed:\n%s", out.String())
	}
}

func setWebhook(t *testing.T, srv *telegramtest.Server, url string) {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/setWebhook?url="+url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if srv.WebhookURL() != url {
		t.Fatalf("webhook not set: %d", resp.StatusCode)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// `focalbot healthcheck` asks /healthz of the running bot: exit 0 while it serves, an error
// (exit 1) once it is gone.
func TestCLIHealthcheck(t *testing.T) {
	t.Parallel()
	h := bottest.StartWith(t, func(*bot.App) {}, func(c *bot.Config) { c.HTTPAddr = freeAddr(t) })
	vars := map[string]string{"HTTP_ADDR": h.Config.HTTPAddr}
	var out bytes.Buffer
	var err error
	for i := 0; i < 500; i++ { // healthy once the first poll has returned
		out.Reset()
		if err = runHealthcheck(context.Background(), env(vars), &out); err == nil {
			break
		}
		<-time.After(20 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out.String(), `"healthy":true`) {
		t.Fatalf("running bot: %v %q", err, out.String())
	}
	h.Stop()
	if err := runHealthcheck(context.Background(), env(vars), &out); err == nil || !strings.Contains(err.Error(), "unhealthy") {
		t.Fatalf("stopped bot: %v", err)
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
