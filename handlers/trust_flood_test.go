package handlers_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// floodResult is what outsiderFlood saw.
type floodResult struct {
	urgentTook   time.Duration // from the enqueue to the last urgent delivery at the emulator
	lastUrgent   int64         // the emulator's sequence number of the last urgent delivery
	answers      []int64       // sequence numbers of the outsiders' answers, ascending
	perOutsider  map[int64]int // answers each outsider got
	urgentGotten int
}

// outsiderFlood runs 80 outsiders sending 10 messages each while an urgent message goes to 50
// members through the outbox, at Telegram's real limits (rate a second across all chats, one
// a second per chat) and the default inbound budget. Ten outsiders write first; then the
// urgent message is queued; once its first delivery is out, the rest of the flood comes.
func outsiderFlood(tb testing.TB, rate float64) floodResult {
	const nMembers, nOutsiders, perOutsider = 50, 80, 10
	h := bottest.Start(tb, func(a *bot.App) {
		handlers.Register(a)
		a.Renderer("trust_urgent", func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
			return delivery.Message{Text: "URGENT test alert"}, nil
		})
	})
	h.Stop() // the configuration is read by the running bot: change it while it is stopped
	lim := delivery.TelegramLimits(rate)
	h.Config.SendLimits = &lim
	h.Config.InboundBurst = 0 // the product's budget
	h.Run()
	ctx := context.Background()
	var items []delivery.Item
	var members []*bottest.Person
	for i := range nMembers {
		uid := int64(40000 + i)
		kz := "KZ"
		id, err := store.InsertMember(ctx, h.Store.DB, store.Member{TelegramUserID: uid, ChatID: uid, DisplayName: fmt.Sprint("Member ", i),
			Role: store.RoleFocalPoint, State: store.StateActive, Language: "en", Agency: "customs", Country: &kz})
		if err != nil {
			tb.Fatal(err)
		}
		items = append(items, delivery.Item{MemberID: id, ChatID: uid, Kind: "trust_urgent", RefID: 1, Priority: delivery.Urgent})
		members = append(members, h.Person(uid, "M", "en"))
	}
	var outsiders []*bottest.Person
	for i := range nOutsiders {
		outsiders = append(outsiders, h.Person(int64(50000+i), "Stranger", "en"))
	}
	for _, u := range outsiders[:10] {
		u.SendText("hello 0")
	}
	start := time.Now()
	if _, err := delivery.Enqueue(ctx, h.Store.DB, items); err != nil {
		tb.Fatal(err)
	}
	for first := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if slices.ContainsFunc(members, func(m *bottest.Person) bool { return len(m.Messages()) > 0 }) {
			break
		}
		if time.Now().After(first) {
			tb.Fatal("no urgent delivery within a minute")
		}
	}
	for i := range perOutsider {
		for n, u := range outsiders {
			if i == 0 && n < 10 {
				continue
			}
			u.SendText(fmt.Sprintf("hello %d", i))
		}
	}
	res := floodResult{perOutsider: map[int64]int{}}
	for _, m := range members {
		if _, err := m.WaitForCount(1, 2*time.Minute); err != nil {
			tb.Fatal(err)
		}
		for _, e := range h.TG.Transcript(m.ID()) {
			if e.Kind == telegramtest.EventSent && strings.Contains(e.Plain, "URGENT") {
				res.urgentGotten++
				res.lastUrgent = max(res.lastUrgent, e.Seq)
				res.urgentTook = max(res.urgentTook, e.Time.Sub(start))
			}
		}
	}
	// Every update of the flood handled: each answer an outsider will get is out by then.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var left int
		if err := h.Store.DB.Get(&left, `SELECT count(*) FROM inbound_updates WHERE handled_at IS NULL`); err != nil {
			tb.Fatal(err)
		}
		var total int
		if err := h.Store.DB.Get(&total, `SELECT count(*) FROM inbound_updates`); err != nil {
			tb.Fatal(err)
		}
		if left == 0 && total >= nOutsiders*perOutsider {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d updates of the flood not handled", left, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, u := range outsiders {
		for _, e := range h.TG.Transcript(u.ID()) {
			if e.Kind == telegramtest.EventSent {
				res.answers = append(res.answers, e.Seq)
				res.perOutsider[u.ID()]++
			}
		}
	}
	slices.Sort(res.answers)
	return res
}

// 80 outsiders × 10 messages while an urgent message goes to 50 members: every urgent delivery
// reaches Telegram before the outsiders' answers that follow the first ten (an order, not a
// time), and each outsider gets at most one answer.
func TestOutsiderFloodDoesNotDelayUrgent(t *testing.T) {
	t.Parallel()
	res := outsiderFlood(t, 30)
	if res.urgentGotten != 50 {
		t.Fatalf("%d urgent deliveries, want 50", res.urgentGotten)
	}
	for id, n := range res.perOutsider {
		if n > 1 {
			t.Errorf("outsider %d got %d answers, want at most one", id, n)
		}
	}
	if len(res.answers) == 0 {
		t.Fatal("no outsider was answered at all")
	}
	if len(res.answers) > 10 && res.answers[10] < res.lastUrgent {
		before := 0
		for _, s := range res.answers {
			if s < res.lastUrgent {
				before++
			}
		}
		t.Errorf("%d outsiders' answers reached Telegram before the last urgent delivery, want at most 10", before)
	}
}

// make bench: the urgent delivery to 50 members during that flood, at 30/s.
func BenchmarkUrgentDuringOutsiderFlood(b *testing.B) {
	res := outsiderFlood(b, 30)
	target := 3 * time.Second
	verdict := "ok"
	if res.urgentTook > target || res.urgentGotten != 50 {
		verdict = "MISSED"
	}
	fmt.Printf("%-78s %-26s target %-18s %s   (%d cores)\n", "urgent delivery to 50 during a flood of 80 outsiders × 10 messages at 30/s",
		res.urgentTook.Round(time.Millisecond).String(), "≤ 3s", verdict, runtime.NumCPU())
}
