package bot

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// opsMetrics are what the alerting rules in deploy/ need besides the delivery's metrics: is the
// database reachable, does this instance hold the lease that receives and handles updates, how
// many stored updates wait, and webhook requests refused.
type opsMetrics struct {
	webhookRejected prometheus.Counter
}

var (
	databaseUpDesc = prometheus.NewDesc("focalbot_database_up",
		"1 when the database answered a ping at this scrape, 0 when it did not.", nil, nil)
	updatesWaitingDesc = prometheus.NewDesc("focalbot_updates_unhandled",
		"Updates stored but not yet handled (read from the database at scrape).", nil, nil)
)

func newOpsMetrics(a *App) *opsMetrics {
	m := &opsMetrics{
		webhookRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "focalbot_webhook_rejected_total", Help: "Webhook requests refused with 401: no secret header, or a wrong one.",
		}),
	}
	a.metrics.registry.MustRegister(m.webhookRejected,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "focalbot_update_lease_held",
			Help: "1 when this instance holds the lease that receives (or, by webhook, handles) updates, 0 on standby.",
		}, func() float64 {
			if a.Polling() {
				return 1
			}
			return 0
		}),
		&inboxCollector{a: a})
	return m
}

// inboxCollector pings the database and counts the updates waiting, when scraped. A failing
// database shows as focalbot_database_up 0 rather than as a failed scrape.
type inboxCollector struct{ a *App }

func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- databaseUpDesc
	ch <- updatesWaitingDesc
}

func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.a.Store.Ping(ctx); err != nil {
		ch <- prometheus.MustNewConstMetric(databaseUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(databaseUpDesc, prometheus.GaugeValue, 1)
	n, err := c.a.Store.UnhandledCount(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(updatesWaitingDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(updatesWaitingDesc, prometheus.GaugeValue, float64(n))
}
