package delivery

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Class orders the senders waiting for the limiter: a lower class goes first. Interactive
// replies come before every queued message, then the outbox's priorities.
type Class int8

// The classes, most urgent first.
const (
	Interactive  Class = 0
	ClassUrgent  Class = 1
	ClassHigh    Class = 2
	ClassRoutine Class = 3
	// ClassIdle is for answers to people outside the network: granted only when nothing of
	// another class has been granted for IdleGap, so it never takes a slot a delivery or a
	// member's reply could use (a flood of outsiders cannot delay an urgent alert).
	ClassIdle Class = 4
)

// IdleGap is how long the limiter must have granted nothing but ClassIdle before it grants
// ClassIdle: longer than the pauses between a dispatcher's sends, even between its claims.
const IdleGap = time.Second

// ClassOf is the limiter class of an outbox priority.
func ClassOf(p Priority) Class { return Class(p) + 1 }

// Limits are Telegram's flood limits as the limiter keeps them. A zero field is no limit.
type Limits struct {
	PerSecond         float64 // across all chats: about 30 on Telegram, up to 1000 with paid broadcast
	PerChatPerSecond  int     // in one chat: 1
	PerGroupPerMinute int     // in one group (negative chat ID): 20
	MaxConcurrent     int     // requests in flight at once; 0 means 64
}

// TelegramLimits are Telegram's limits with the given global rate.
func TelegramLimits(perSecond float64) Limits {
	return Limits{PerSecond: perSecond, PerChatPerSecond: 1, PerGroupPerMinute: 20}
}

// Limiter decides when a message may be sent. Every send of the process goes through one
// Limiter: the dispatcher's and the interactive replies alike.
//
// Two mechanisms keep Telegram's limits:
//   - pacing (a GCRA token bucket tolerating 20 ms worth of messages, at least 10 ms)
//     spreads the sends evenly at the configured rate;
//   - sliding windows that hold a slot from the moment a request starts until one window
//     length after its answer arrived. Telegram counts a message at some instant between the
//     two, so the number Telegram sees in any window never exceeds the limit, whatever the
//     network's latency and jitter. The price is throughput of rate × latency/window, under
//     1% at a few milliseconds of latency.
//
// Waiters are served in (class, arrival) order; one whose chat is still busy does not hold up
// those behind it whose chat is free.
type Limiter struct {
	mu       sync.Mutex
	lim      Limits
	interval time.Duration // 1/PerSecond; 0 without a global rate
	tau      time.Duration // the pacing's tolerance: burst-1 intervals
	tat      time.Time     // theoretical arrival time of the pacing
	global   window
	inflight int
	blocked  time.Time // a 429 on the global scope: nothing before this
	chats    map[int64]*chatScope
	waiters  []*Reservation // sorted by (class, seq)
	seq      uint64
	timer    *time.Timer
	timerAt  time.Time
	swept    time.Time
	busy     time.Time // the last grant of a class other than ClassIdle
	now      func() time.Time
}

type chatScope struct {
	sec, min window
	blocked  time.Time
}

// NewLimiter returns a limiter keeping lim.
func NewLimiter(lim Limits) *Limiter {
	if lim.MaxConcurrent <= 0 {
		lim.MaxConcurrent = 64
	}
	l := &Limiter{lim: lim, chats: map[int64]*chatScope{}, now: time.Now}
	if lim.PerSecond > 0 {
		l.interval = time.Duration(float64(time.Second) / lim.PerSecond)
		// A tolerance of 20 ms worth of messages, at least 10 ms but under one interval: a
		// timer that fires late is made up for at the next send instead of being lost from the
		// rate, and at ordinary rates two sends never start together. The windows still cap
		// every second at the limit.
		l.tau = max(time.Duration(int(lim.PerSecond/50)-1)*l.interval, min(10*time.Millisecond, l.interval/2))
		l.global = window{limit: int(lim.PerSecond), span: time.Second}
	}
	return l
}

// Limits returns the limits kept.
func (l *Limiter) Limits() Limits { return l.lim }

// Reservation is a place in the limiter's queue.
type Reservation struct {
	l       *Limiter
	chat    int64
	class   Class
	seq     uint64
	ready   chan struct{}
	granted bool
	done    bool // left the queue without a grant
}

// Permit is a granted send. Call Done when the answer is in.
type Permit struct {
	l     *Limiter
	chat  int64
	class Class
	seq   uint64
	once  sync.Once
}

// Reserve queues a send to chatID in class c. Reservations of one class are served in the
// order they were made.
func (l *Limiter) Reserve(chatID int64, c Class) *Reservation {
	l.mu.Lock()
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	return l.reserve(chatID, c, seq)
}

func (l *Limiter) reserve(chatID int64, c Class, seq uint64) *Reservation {
	r := &Reservation{l: l, chat: chatID, class: c, seq: seq, ready: make(chan struct{})}
	l.mu.Lock()
	i := sort.Search(len(l.waiters), func(i int) bool { return r.before(l.waiters[i]) })
	l.waiters = append(l.waiters, nil)
	copy(l.waiters[i+1:], l.waiters[i:])
	l.waiters[i] = r
	l.evaluateLocked()
	l.mu.Unlock()
	return r
}

func (r *Reservation) before(o *Reservation) bool {
	if r.class != o.class {
		return r.class < o.class
	}
	return r.seq < o.seq
}

// Wait blocks until the send may go, or ctx ends (then the place is given up).
func (r *Reservation) Wait(ctx context.Context) (*Permit, error) {
	select {
	case <-r.ready:
		return &Permit{l: r.l, chat: r.chat, class: r.class, seq: r.seq}, nil
	case <-ctx.Done():
	}
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.granted { // granted while we gave up: hand the slot back unused
		l.inflight--
		if l.interval > 0 {
			l.global.inflight--
		}
		l.chatLocked(r.chat).undo(r.chat)
		l.evaluateLocked()
		return nil, ctx.Err()
	}
	r.done = true
	for i, w := range l.waiters {
		if w == r {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			break
		}
	}
	l.evaluateLocked()
	return nil, ctx.Err()
}

// Cancel gives the place up (the message will not be sent after all).
func (r *Reservation) Cancel() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p, err := r.Wait(ctx); err == nil {
		p.Done(0) // granted just before: count it as used, which is on the safe side
	}
}

// Wait reserves and waits in one call.
func (l *Limiter) Wait(ctx context.Context, chatID int64, c Class) (*Permit, error) {
	return l.Reserve(chatID, c).Wait(ctx)
}

// Done records that the request's answer arrived. retryAfter is Telegram's retry_after of a
// 429 (0 otherwise): nothing more goes to that scope until that long after now. For a private
// chat the scope is global as well (the limiter keeps the chat's own limit, so Telegram's
// complaint is about the global one); for a group it is the group.
func (p *Permit) Done(retryAfter time.Duration) {
	p.once.Do(func() {
		l := p.l
		l.mu.Lock()
		defer l.mu.Unlock()
		now := l.now()
		l.inflight--
		if l.interval > 0 {
			l.global.done(now)
		}
		cs := l.chatLocked(p.chat)
		cs.sec.done(now)
		if p.chat < 0 {
			cs.min.done(now)
		}
		if retryAfter > 0 {
			until := now.Add(retryAfter)
			cs.blocked = later(cs.blocked, until)
			if p.chat > 0 {
				l.blocked = later(l.blocked, until)
			}
		}
		l.evaluateLocked()
	})
}

// Retry queues the permit's send again in its old place (a 429 was answered): it goes as soon
// as the scope's retry_after has passed, before anything of its class queued later.
func (p *Permit) Retry() *Reservation { return p.l.reserve(p.chat, p.class, p.seq) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (l *Limiter) chatLocked(id int64) *chatScope {
	cs := l.chats[id]
	if cs == nil {
		cs = &chatScope{sec: window{limit: l.lim.PerChatPerSecond, span: time.Second}}
		if id < 0 {
			cs.min = window{limit: l.lim.PerGroupPerMinute, span: time.Minute}
		}
		l.chats[id] = cs
	}
	return cs
}

func (cs *chatScope) undo(id int64) {
	cs.sec.inflight--
	if id < 0 {
		cs.min.inflight--
	}
}

// never is "no time will do; a Done will": waiting on requests in flight.
var never = time.Unix(1<<40, 0)

// globalFreeAt is when the global scope admits one more send.
func (l *Limiter) globalFreeAt(now time.Time) time.Time {
	if l.inflight >= l.lim.MaxConcurrent {
		return never
	}
	at := l.blocked
	if l.interval > 0 {
		at = later(at, l.tat.Add(-l.tau))
		at = later(at, l.global.freeAt(now))
	}
	return at
}

func (cs *chatScope) freeAt(now time.Time, id int64) time.Time {
	at := later(cs.blocked, cs.sec.freeAt(now))
	if id < 0 {
		at = later(at, cs.min.freeAt(now))
	}
	return at
}

// evaluateLocked grants what may go now, in order, and arms the timer for the next moment
// something may.
func (l *Limiter) evaluateLocked() {
	now := l.now()
	wake := never
	for i := 0; i < len(l.waiters); {
		g := l.globalFreeAt(now)
		if g.After(now) {
			wake = earliest(wake, g)
			break
		}
		w := l.waiters[i]
		if w.class == ClassIdle {
			if quiet := l.busy.Add(IdleGap); quiet.After(now) {
				wake = earliest(wake, quiet)
				break // the waiters behind are idle too
			}
		}
		cs := l.chatLocked(w.chat)
		if c := cs.freeAt(now, w.chat); c.After(now) {
			wake = earliest(wake, c)
			i++
			continue
		}
		l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
		if w.class != ClassIdle {
			l.busy = now
		}
		l.inflight++
		if l.interval > 0 {
			l.global.inflight++
			l.tat = later(l.tat, now).Add(l.interval)
		}
		cs.sec.inflight++
		if w.chat < 0 {
			cs.min.inflight++
		}
		w.granted = true
		close(w.ready)
	}
	if now.Sub(l.swept) > 10*time.Second {
		l.sweepLocked(now)
	}
	if wake == never || len(l.waiters) == 0 {
		return
	}
	if l.timer != nil && !l.timerAt.After(wake) && l.timerAt.After(now) {
		return // an earlier or equal wake-up is armed
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timerAt = wake
	l.timer = time.AfterFunc(wake.Sub(now), func() {
		l.mu.Lock()
		l.timer = nil
		l.evaluateLocked()
		l.mu.Unlock()
	})
}

// sweepLocked forgets chats with nothing in flight and nothing left in their windows, so the
// map does not grow with every chat ever written to.
func (l *Limiter) sweepLocked(now time.Time) {
	l.swept = now
	for id, cs := range l.chats {
		if cs.sec.idle(now) && cs.min.idle(now) && !cs.blocked.After(now) {
			delete(l.chats, id)
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// window counts sends in a sliding span: one in flight holds a slot, and a finished one holds
// it until span after its answer. rel is sorted ascending from head.
type window struct {
	limit    int
	span     time.Duration
	inflight int
	rel      []time.Time
	head     int
}

func (w *window) prune(now time.Time) {
	for w.head < len(w.rel) && !w.rel[w.head].After(now) {
		w.head++
	}
	if w.head > 64 && w.head*2 >= len(w.rel) {
		n := copy(w.rel, w.rel[w.head:])
		w.rel = w.rel[:n]
		w.head = 0
	}
}

// freeAt is when one more send fits: now, a moment when the oldest slots are released, or
// never while only requests in flight fill the window.
func (w *window) freeAt(now time.Time) time.Time {
	if w.limit <= 0 {
		return time.Time{}
	}
	w.prune(now)
	used := w.inflight + len(w.rel) - w.head
	if used < w.limit {
		return time.Time{}
	}
	if w.inflight >= w.limit {
		return never
	}
	return w.rel[w.head+used-w.limit]
}

func (w *window) done(now time.Time) {
	if w.limit <= 0 {
		return
	}
	w.inflight--
	t := now.Add(w.span)
	i := len(w.rel)
	w.rel = append(w.rel, t)
	for i > w.head && w.rel[i-1].After(t) { // answers may arrive out of order
		w.rel[i] = w.rel[i-1]
		i--
	}
	w.rel[i] = t
}

func (w *window) idle(now time.Time) bool {
	if w.limit <= 0 {
		return true
	}
	w.prune(now)
	return w.inflight == 0 && w.head == len(w.rel)
}
