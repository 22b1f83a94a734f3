package delivery

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/telegramtest"
)

// The benchmarks of the delivery issue, each run once (make bench: -benchtime=1x) against the
// emulator enforcing Telegram's limits and a real PostgreSQL, printing its figure beside its
// target. They measure wall time on the machine they run on, whose core count they print.

func report(b *testing.B, figure, measured, target string, ok bool) {
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Printf("%-78s %-26s target %-18s %s   (%d cores)\n", figure, measured, target, verdict, runtime.NumCPU())
}

// broadcastRate enqueues n rows and returns deliveries ÷ seconds from the enqueue to the last
// delivery, and the emulator's statistics.
func broadcastRate(b *testing.B, n int, rate float64, lim telegramtest.Limits, paid bool) (float64, telegramtest.Stats) {
	r := newRig(b, lim, telegramtest.WithoutCallLog())
	members := r.addMembers(n)
	d := r.dispatcher(Limits{PerSecond: rate, PerChatPerSecond: 1, PerGroupPerMinute: 20}, "broadcast")
	d.PaidBroadcast = paid
	r.run(d)
	time.Sleep(200 * time.Millisecond) // the dispatcher holds the lease
	b.ResetTimer()
	start := time.Now()
	r.enqueue("broadcast", 1, Routine, members)
	r.waitState("broadcast", "sent", n, 10*time.Minute)
	var last time.Time
	if err := r.st.DB.Get(&last, `SELECT max(sent_at) FROM outbox WHERE kind = 'broadcast'`); err != nil {
		b.Fatal(err)
	}
	return float64(n) / last.Sub(start).Seconds(), r.srv.Stats()
}

func BenchmarkBroadcast1000At30(b *testing.B) {
	got, st := broadcastRate(b, 1000, 30, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}, false)
	ratio := got / 30
	report(b, "1,000 recipients at 30/s: achieved ÷ configured rate, 429s",
		fmt.Sprintf("%.3f (%.2f/s), %d 429s", ratio, got, st.TooManyRequests), "≥ 0.95, 0 429s", ratio >= 0.95 && st.TooManyRequests == 0)
}

func BenchmarkBroadcast5000At1000Paid(b *testing.B) {
	got, st := broadcastRate(b, 5000, 1000, telegramtest.Limits{GlobalPerSecond: 1000, PerChatPerSecond: 1, PerGroupPerMinute: 20}, true)
	ratio := got / 1000
	report(b, "5,000 recipients at 1,000/s (paid broadcast): achieved ÷ configured, 429s",
		fmt.Sprintf("%.3f (%.0f/s), %d 429s", ratio, got, st.TooManyRequests), "≥ 0.90, 0 429s", ratio >= 0.90 && st.TooManyRequests == 0)
}

func BenchmarkThroughputLimitsOff(b *testing.B) {
	got, _ := broadcastRate(b, 10000, 0, telegramtest.Limits{}, false)
	report(b, "limits off: deliveries per second through the outbox (10,000 rows)",
		fmt.Sprintf("%.0f/s", got), "≥ 2,000/s", got >= 2000)
}

func BenchmarkFanOut10000(b *testing.B) {
	r := newRig(b, telegramtest.Limits{}, telegramtest.WithoutCallLog())
	members := r.addMembers(10000)
	items := make([]Item, len(members))
	for i, m := range members {
		items[i] = Item{MemberID: m, ChatID: r.chatOf(m), Kind: "alert", RefID: 1, Priority: Urgent}
	}
	b.ResetTimer()
	start := time.Now()
	err := r.st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		n, err := Enqueue(context.Background(), tx, items)
		if err == nil && n != len(items) {
			err = fmt.Errorf("enqueued %d of %d", n, len(items))
		}
		return err
	})
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	report(b, "fan-out of 10,000 outbox rows in one enqueue (one transaction)",
		took.Round(time.Millisecond).String(), "≤ 1s", took <= time.Second)
}

func BenchmarkUrgentDuringBroadcast(b *testing.B) {
	r := newRig(b, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}, telegramtest.WithoutCallLog())
	members := r.addMembers(1000)
	r.run(r.dispatcher(TelegramLimits(30), "broadcast", "alert"))
	r.enqueue("broadcast", 1, Routine, members)
	r.waitState("broadcast", "sent", 150, time.Minute) // five seconds into the broadcast
	b.ResetTimer()
	start := time.Now()
	r.enqueue("alert", 2, Urgent, members[500:550]) // members the broadcast has not reached yet
	r.waitState("alert", "sent", 50, time.Minute)
	var last time.Time
	if err := r.st.DB.Get(&last, `SELECT max(sent_at) FROM outbox WHERE kind = 'alert'`); err != nil {
		b.Fatal(err)
	}
	took := last.Sub(start)
	target := 50*time.Second/30 + time.Second
	report(b, "urgent alert to 50 queued during a 1,000-member routine broadcast at 30/s",
		took.Round(time.Millisecond).String(), "≤ "+target.Round(time.Millisecond).String(), took <= target)
}

func BenchmarkEnqueueToFirstSendIdle(b *testing.B) {
	r := newRig(b, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}, telegramtest.WithoutCallLog())
	const samples = 200
	members := r.addMembers(samples)
	r.run(r.dispatcher(TelegramLimits(30), "alert"))
	time.Sleep(200 * time.Millisecond)
	b.ResetTimer()
	lat := make([]time.Duration, 0, samples)
	for i, m := range members {
		// Idle: the last send is several pacing intervals (33 ms at 30/s) in the past.
		time.Sleep(60 * time.Millisecond)
		start := time.Now()
		r.enqueue("alert", int64(i), High, []int64{m})
		if _, err := r.users[m].WaitForCount(1, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	p50, p99 := lat[samples/2], lat[samples*99/100]
	report(b, "enqueue to first send, idle system: p50 / p99",
		fmt.Sprintf("%v / %v", p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond)), "≤ 50ms / ≤ 250ms",
		p50 <= 50*time.Millisecond && p99 <= 250*time.Millisecond)
}
