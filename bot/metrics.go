package bot

import "github.com/prometheus/client_golang/prometheus"

// metrics are registered on the App's own registry, not the global default, so tests can run
// several Apps in one process.
type metrics struct {
	registry         *prometheus.Registry
	updatesReceived  prometheus.Counter
	updatesDuplicate prometheus.Counter
	updatesHandled   *prometheus.CounterVec
	handlerSeconds   prometheus.Histogram
	messagesSent     *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		updatesReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "focalbot_updates_received_total", Help: "Updates stored for handling (duplicates excluded).",
		}),
		updatesDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "focalbot_updates_duplicate_total", Help: "Updates delivered again and dropped.",
		}),
		updatesHandled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "focalbot_updates_handled_total", Help: "Updates handled, by outcome (ok, failed, panic).",
		}, []string{"outcome"}),
		handlerSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "focalbot_handler_duration_seconds", Help: "Time to handle one update.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		messagesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "focalbot_messages_sent_total", Help: "Messages sent to Telegram, by result.",
		}, []string{"result"}),
	}
	// Every series documented is there from start-up, at 0: a rate() over a series that
	// appears only with its first event misses that event, and alerts cannot tell "none" from
	// "not exported".
	for _, o := range []string{"ok", "failed", "panic"} {
		m.updatesHandled.WithLabelValues(o)
	}
	for _, r := range []string{"ok", "error"} {
		m.messagesSent.WithLabelValues(r)
	}
	m.registry.MustRegister(m.updatesReceived, m.updatesDuplicate, m.updatesHandled, m.handlerSeconds, m.messagesSent,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
