package delivery

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Waiters are served interactive first, then urgent, high, routine, each class in arrival
// order, whatever order they arrived in.
func TestLimiterServesByClass(t *testing.T) {
	l := NewLimiter(Limits{MaxConcurrent: 1})
	ctx := context.Background()
	hold, err := l.Wait(ctx, 1, ClassRoutine)
	if err != nil {
		t.Fatal(err)
	}
	order := []struct {
		chat  int64
		class Class
	}{{10, ClassRoutine}, {11, ClassHigh}, {12, ClassUrgent}, {13, Interactive}, {14, ClassRoutine}, {15, ClassUrgent}}
	var rs []*Reservation
	for _, o := range order {
		rs = append(rs, l.Reserve(o.chat, o.class))
	}
	granted := make(chan int64, len(rs))
	for _, r := range rs {
		go func() {
			p, err := r.Wait(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			granted <- r.chat
			time.Sleep(time.Millisecond) // let the others queue up behind
			p.Done(0)
		}()
	}
	time.Sleep(10 * time.Millisecond)
	hold.Done(0)
	want := []int64{13, 12, 15, 11, 10, 14}
	for i, w := range want {
		if got := <-granted; got != w {
			t.Fatalf("grant %d went to chat %d, want %d", i, got, w)
		}
	}
}

// A waiter whose chat is still within its one-a-second window does not hold up a less urgent
// one to another chat.
func TestLimiterSkipsBusyChat(t *testing.T) {
	l := NewLimiter(TelegramLimits(0))
	ctx := context.Background()
	p, err := l.Wait(ctx, 1, ClassRoutine)
	if err != nil {
		t.Fatal(err)
	}
	p.Done(0)
	start := time.Now()
	busy := l.Reserve(1, ClassUrgent)
	free := l.Reserve(2, ClassRoutine)
	if _, err := free.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-busy.ready:
		t.Fatal("a second message to chat 1 was allowed within a second")
	default:
	}
	if _, err := busy.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("chat 1 got its second message after %v", waited)
	}
}

// After a 429 in a private chat nothing goes anywhere until retry_after has passed, and the
// retried send keeps its place ahead of later ones of its class.
func TestLimiterHonoursRetryAfter(t *testing.T) {
	l := NewLimiter(Limits{PerSecond: 1000})
	ctx := context.Background()
	p, err := l.Wait(ctx, 5, ClassRoutine)
	if err != nil {
		t.Fatal(err)
	}
	later := l.Reserve(6, ClassRoutine)
	p.Done(300 * time.Millisecond)
	blockedAt := time.Now()
	retry := p.Retry()
	if _, err := retry.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(blockedAt); waited < 300*time.Millisecond {
		t.Fatalf("sent again %v after a 429 with retry_after 300ms", waited)
	}
	select {
	case <-later.ready:
		// granted in the same evaluation is fine only after the retried one
	default:
	}
	if _, err := later.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// The sliding window admits no more than its limit while requests are in flight, and counts a
// finished request for a full window after its answer.
func TestLimiterWindowHoldsSlotsUntilAnswerPlusWindow(t *testing.T) {
	w := window{limit: 2, span: time.Second}
	now := time.Unix(1000, 0)
	if !w.freeAt(now).IsZero() {
		t.Fatal("empty window not free")
	}
	w.inflight = 2
	if w.freeAt(now) != never {
		t.Fatal("two in flight: must wait for an answer")
	}
	w.done(now.Add(100 * time.Millisecond))
	if got := w.freeAt(now.Add(200 * time.Millisecond)); !got.Equal(now.Add(1100 * time.Millisecond)) {
		t.Fatalf("free at %v, want a window after the answer", got.Sub(now))
	}
	if !w.freeAt(now.Add(1100 * time.Millisecond)).IsZero() {
		t.Fatal("not free once the answer is a window old")
	}
}

// ClassIdle (answers to outsiders) goes only once nothing else has been granted for IdleGap:
// a routine send that comes later goes first, and the idle one waits out the gap after it.
func TestLimiterIdleClassWaitsForQuiet(t *testing.T) {
	l := NewLimiter(Limits{})
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx := context.Background()
	p, err := l.Wait(ctx, 1, ClassRoutine)
	if err != nil {
		t.Fatal(err)
	}
	p.Done(0)
	idle := l.Reserve(2, ClassIdle)
	later, err := l.Wait(ctx, 3, ClassRoutine)
	if err != nil {
		t.Fatal(err)
	}
	later.Done(0)
	mu.Lock()
	now = now.Add(IdleGap / 2)
	mu.Unlock()
	l.mu.Lock()
	l.evaluateLocked()
	l.mu.Unlock()
	select {
	case <-idle.ready:
		t.Fatal("an idle-class send was granted within IdleGap of a routine one")
	default:
	}
	mu.Lock()
	now = now.Add(IdleGap)
	mu.Unlock()
	if _, err := idle.Wait(ctx); err != nil { // the armed timer grants it
		t.Fatal(err)
	}
}
