package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HTTPHandler serves /healthz and /metrics.
func (a *App) HTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return mux
}

// healthz is healthy when the database answers and takes writes, a poll succeeded recently
// (within the poll timeout plus a margin; a long poll that waits is a success when it returns)
// and no more than HEALTH_MAX_BACKLOG updates wait unhandled.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]any{"database": "ok"}
	healthy := true
	if writable, err := a.Store.Writable(ctx); err != nil {
		status["database"] = "unreachable"
		healthy = false
	} else if !writable {
		status["database"] = "read-only" // a standby, in recovery, or read-only by default
		healthy = false
	}
	if a.poller.lease.Standby() {
		// Another instance polls; this one stands by, healthy while the database answers.
		status["polling"] = "standby"
	} else if last := a.poller.lastOK.Load(); last == 0 {
		status["last_poll"] = "never"
		healthy = false
	} else {
		age := time.Since(time.Unix(0, last))
		status["last_poll_age_seconds"] = age.Seconds()
		if age > a.Config.PollTimeout+30*time.Second {
			healthy = false
		}
	}
	backlog := a.seq.backlog()
	status["backlog"] = backlog
	limit := a.Config.HealthBacklog
	if limit <= 0 { // a Config built by hand rather than by LoadConfig
		limit = 200
	}
	if backlog > limit {
		status["backlog_limit"] = limit
		healthy = false
	}
	w.Header().Set("Content-Type", "application/json")
	if !healthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	status["healthy"] = healthy
	_ = json.NewEncoder(w).Encode(status)
}
