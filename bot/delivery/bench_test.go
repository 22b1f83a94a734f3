package delivery

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/lease"
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
// delivery, and the emulator's statistics. A negative rate: the dispatcher's default limits.
func broadcastRate(b *testing.B, n int, rate float64, lim telegramtest.Limits, paid bool) (float64, telegramtest.Stats) {
	return broadcastRateWith(b, n, rate, lim, paid, nil)
}

// broadcastRateWith is broadcastRate, calling after with the rig once the broadcast is done.
func broadcastRateWith(b *testing.B, n int, rate float64, lim telegramtest.Limits, paid bool, after func(*rig)) (float64, telegramtest.Stats) {
	r := newRig(b, lim, telegramtest.WithoutCallLog())
	members := r.addMembers(n)
	d := r.dispatcher(Limits{PerSecond: rate, PerChatPerSecond: 1, PerGroupPerMinute: 20}, "broadcast")
	if rate < 0 {
		d.Limiter = nil // the default
	}
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
	if after != nil {
		after(r)
	}
	return float64(n) / last.Sub(start).Seconds(), r.srv.Stats()
}

// BenchmarkBroadcast1000Default: the dispatcher's defaults (SEND_RATE's default, 30) against
// Telegram's limits: the share of Telegram's 30/s reached.
func BenchmarkBroadcast1000Default(b *testing.B) {
	got, st := broadcastRate(b, 1000, -1, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}, false)
	ratio := got / 30
	report(b, "default settings, 1,000 recipients: achieved ÷ Telegram's 30/s, 429s",
		fmt.Sprintf("%.3f (%.2f/s), %d 429s", ratio, got, st.TooManyRequests), "≥ 0.97, 0 429s", ratio >= 0.97 && st.TooManyRequests == 0)
}

// BenchmarkBroadcast5000At1000Paid also prints the mean time from a request's start to its
// answer (L): the limiter holds each slot until one window after the answer (Telegram counts
// a message somewhere in between), so no sender can exceed 1 ÷ (1 + L) of the rate, whatever
// it does; on a loaded machine L, not the dispatcher, sets the figure.
func BenchmarkBroadcast5000At1000Paid(b *testing.B) {
	var lat time.Duration
	var calls int
	got, st := broadcastRateWith(b, 5000, 1000, telegramtest.Limits{GlobalPerSecond: 1000, PerChatPerSecond: 1, PerGroupPerMinute: 20}, true,
		func(r *rig) {
			for _, c := range r.trace.sends() {
				lat += c.end.Sub(c.start)
				calls++
			}
		})
	ratio := got / 1000
	mean := lat / time.Duration(max(calls, 1))
	report(b, "5,000 recipients at 1,000/s (paid broadcast): achieved ÷ configured, 429s",
		fmt.Sprintf("%.3f (%.0f/s), %d 429s", ratio, got, st.TooManyRequests), "≥ 0.95, 0 429s", ratio >= 0.95 && st.TooManyRequests == 0)
	report(b, "  of which: mean send latency L, and the bound 1 ÷ (1 + L) it sets",
		fmt.Sprintf("%v, %.3f", mean.Round(time.Millisecond), 1/(1+mean.Seconds())), "(diagnostic)", true)
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

// A claim while one chat has 20,000 rows queued (the first of them being sent), beside a
// 1,000-member broadcast: the median and slowest of 50 claims of a window's worth.
func BenchmarkClaimChatBacklog20000(b *testing.B) {
	p50, worst := claimTimes(b, 20000)
	report(b, "claim with 20,000 rows pending for one chat (+1,000 others): median (slowest)",
		fmt.Sprintf("%v (%v)", p50.Round(10*time.Microsecond), worst.Round(10*time.Microsecond)), "≤ 5ms", p50 <= 5*time.Millisecond)
}

func BenchmarkClaimNoBacklog(b *testing.B) {
	p50, worst := claimTimes(b, 1)
	report(b, "claim with 1 row pending for one chat (+1,000 others): median (slowest)",
		fmt.Sprintf("%v (%v)", p50.Round(10*time.Microsecond), worst.Round(10*time.Microsecond)), "reference", true)
}

// claimTimes times 50 claims of a window's worth while one chat has backlog rows queued (the
// first of them claimed by the first claim) beside a 1,000-member broadcast.
func claimTimes(b *testing.B, backlog int) (p50, worst time.Duration) {
	r := newRig(b, telegramtest.Limits{}, telegramtest.WithoutCallLog())
	one := r.addMembers(1)
	others := r.addMembers(1000)
	items := make([]Item, backlog)
	for i := range items {
		items[i] = Item{MemberID: one[0], ChatID: r.chatOf(one[0]), Kind: "attachment", RefID: int64(i), Priority: Routine}
	}
	ctx := context.Background()
	if err := r.st.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := Enqueue(ctx, tx, items)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	r.enqueue("broadcast", 1, Routine, others)
	if _, err := r.st.DB.Exec(`ANALYZE outbox`); err != nil {
		b.Fatal(err)
	}
	d := r.dispatcher(TelegramLimits(30), "attachment", "broadcast")
	d.defaults()
	t := &lease.Term{ID: 1}
	b.ResetTimer()
	var took []time.Duration
	for range 50 {
		start := time.Now()
		rows, err := d.claim(ctx, t, d.Batch)
		took = append(took, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		for _, j := range rows {
			j.res.Cancel()
		}
	}
	var left int
	if err := r.st.DB.Get(&left, `SELECT count(*) FROM outbox WHERE chat_id = $1 AND state = 'pending'`, r.chatOf(one[0])); err != nil || left != backlog-1 {
		b.Fatalf("the chat's backlog is %d (%v), want %d pending behind the one claimed", left, err, backlog-1)
	}
	slices.Sort(took)
	return took[len(took)/2], took[len(took)-1]
}
