package bot_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"focalbot/bot"
	"focalbot/bot/bottest"
)

// The metrics the alerting rules in deploy/ rely on: the lease holder says so, the updates
// waiting are counted, and with the database gone /metrics still answers, saying so.
func TestOpsMetrics(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, func(*bot.App) {})
	app := h.App()
	scrape := func() (int, string) {
		rec := httptest.NewRecorder()
		app.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Code, rec.Body.String()
	}
	has := func(body, line string) bool {
		return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(body)
	}
	waitUntil(t, "the lease held", func() bool { return app.Polling() })
	code, body := scrape()
	for _, want := range []string{"focalbot_update_lease_held 1", "focalbot_database_up 1", "focalbot_updates_unhandled 0", "focalbot_webhook_rejected_total 0"} {
		if code != http.StatusOK || !has(body, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
	h.CutDatabase()
	defer h.RestoreDatabase()
	code, body = scrape()
	if code != http.StatusOK || !has(body, "focalbot_database_up 0") {
		t.Errorf("/metrics with the database cut: %d, focalbot_database_up 0 missing", code)
	}
}
