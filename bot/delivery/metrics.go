package delivery

import (
	"context"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// FailureReasons are the reasons of focalbot_delivery_failed_total: a 400 (or a chat migrated),
// a 403 (the member blocked the bot), a 5xx or unexplained error every time, a rendering that
// cannot succeed, a recipient no longer in the members.
var FailureReasons = []string{"bad_request", "forbidden", "retries_exhausted", "render", "member"}

// Metrics are the delivery's Prometheus metrics. A nil *Metrics keeps none.
type Metrics struct {
	sent        *prometheus.CounterVec
	failed      *prometheus.CounterVec
	tooManyReqs *prometheus.CounterVec
	retries     prometheus.Counter
	latency     prometheus.Histogram
}

// NewMetrics registers the delivery metrics on reg. Queue depth is read from db when scraped.
func NewMetrics(reg prometheus.Registerer, db *sqlx.DB) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "focalbot_delivery_sent_total", Help: "Outbox messages delivered, by priority (urgent, high, routine).",
		}, []string{"priority"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "focalbot_delivery_failed_total", Help: "Outbox messages failed for good (never to be tried again), by reason (bad_request, forbidden, retries_exhausted, render, member).",
		}, []string{"reason"}),
		tooManyReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "focalbot_telegram_429_total", Help: "Too Many Requests answers from Telegram, by sender (dispatcher, interactive).",
		}, []string{"sender"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "focalbot_delivery_retries_total", Help: "Sends failed with a 5xx or network error and queued again with backoff.",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "focalbot_delivery_latency_seconds", Help: "From enqueue (or the scheduled time) to Telegram's acceptance.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}),
	}
	// Every series at 0 from start-up (see bot/metrics.go).
	for _, p := range []Priority{Urgent, High, Routine} {
		m.sent.WithLabelValues(priorityName(int16(p)))
	}
	for _, r := range FailureReasons {
		m.failed.WithLabelValues(r)
	}
	for _, s := range []string{"dispatcher", "interactive"} {
		m.tooManyReqs.WithLabelValues(s)
	}
	reg.MustRegister(m.sent, m.failed, m.tooManyReqs, m.retries, m.latency, &depthCollector{db: db})
	return m
}

func priorityName(p int16) string {
	switch Priority(p) {
	case Urgent:
		return "urgent"
	case High:
		return "high"
	case Routine:
		return "routine"
	}
	return strconv.Itoa(int(p))
}

func (m *Metrics) outcome(r result) {
	if m == nil {
		return
	}
	switch r.state {
	case "sent":
		m.sent.WithLabelValues(priorityName(r.row.Priority)).Inc()
		from := r.row.CreatedAt
		if r.row.NotBefore.After(from) {
			from = r.row.NotBefore
		}
		m.latency.Observe(r.at.Sub(from).Seconds())
	case "failed":
		m.failed.WithLabelValues(r.reason).Inc()
	}
}

// TooMany counts a 429 answered to sender.
func (m *Metrics) TooMany(sender string) { m.tooMany(sender) }

func (m *Metrics) tooMany(sender string) {
	if m != nil {
		m.tooManyReqs.WithLabelValues(sender).Inc()
	}
}

func (m *Metrics) retry() {
	if m != nil {
		m.retries.Inc()
	}
}

// depthCollector reports the queue's depth per priority when scraped.
type depthCollector struct{ db *sqlx.DB }

var depthDesc = prometheus.NewDesc("focalbot_outbox_depth", "Outbox messages waiting or being sent, by priority.", []string{"priority"}, nil)

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var rows []struct {
		Priority int16 `db:"priority"`
		N        int64 `db:"n"`
	}
	if err := c.db.SelectContext(ctx, &rows, `
		SELECT priority, count(*) AS n FROM outbox WHERE state IN ('pending', 'sending') GROUP BY priority`); err != nil {
		ch <- prometheus.NewInvalidMetric(depthDesc, err)
		return
	}
	counts := map[int16]int64{}
	for _, r := range rows {
		counts[r.Priority] = r.N
	}
	for _, p := range []Priority{Urgent, High, Routine} {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(counts[int16(p)]), priorityName(int16(p)))
	}
}
