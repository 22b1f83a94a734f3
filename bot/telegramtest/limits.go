package telegramtest

import (
	"net/http"
	"time"
)

// Limits are Telegram's flood limits as the emulator enforces them. A zero
// field means unlimited. Only accepted sends occupy a window, so a client
// that backs off for retry_after seconds always gets through afterwards.
type Limits struct {
	GlobalPerSecond   int // across all chats, ~30 on real Telegram
	PerChatPerSecond  int // in one chat (private or group), ~1
	PerGroupPerMinute int // in one group (negative chat id), ~20
	// CountEdits makes editMessage* calls count against the per-chat and
	// per-group limits, as they do on real Telegram. Off by default so
	// button flows in ordinary tests are not throttled.
	CountEdits bool
}

// Stats summarises what the emulator answered. Observed maxima are taken
// over sliding windows of accepted sends, so a benchmark can assert that the
// bot's own limiter kept under Telegram's limits without any 429 being given.
type Stats struct {
	Requests        int
	Sent            int // successful sendMessage, sendPhoto, sendDocument, copyMessage, forwardMessage
	Edited          int // successful editMessage*
	TooManyRequests int
	ServerErrors    int
	Forbidden       int
	BadRequests     int
	ByMethod        map[string]int

	MaxPerSecondObserved         int
	MaxPerChatPerSecondObserved  int
	MaxPerGroupPerMinuteObserved int
}

// window is a FIFO of accepted-send times within a sliding duration. Adds
// and counts are amortised O(1), which keeps the send hot path flat.
type window struct {
	d    time.Duration
	ts   []time.Duration // since server start; monotonic
	head int
}

func (w *window) prune(now time.Duration) {
	cut := now - w.d
	for w.head < len(w.ts) && w.ts[w.head] <= cut {
		w.head++
	}
	if w.head > 256 && w.head*2 >= len(w.ts) {
		n := copy(w.ts, w.ts[w.head:])
		w.ts = w.ts[:n]
		w.head = 0
	}
}

func (w *window) count(now time.Duration) int {
	w.prune(now)
	return len(w.ts) - w.head
}

func (w *window) add(now time.Duration) int {
	w.prune(now)
	w.ts = append(w.ts, now)
	return len(w.ts) - w.head
}

// retryAfter is the whole seconds until the window has room for one more,
// at least 1 as Telegram never says "retry after 0".
func (w *window) retryAfter(now time.Duration, limit int) int {
	c := w.count(now)
	idx := c - limit
	if idx < 0 {
		return 1
	}
	wait := w.ts[w.head+idx] + w.d - now
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return secs
}

// admit applies the configured limits to one send into c and records it if
// accepted. Caller holds s.mu.
func (s *Server) admit(c *chatState, edit bool) (retryAfter int, ok bool) {
	now := time.Since(s.start)
	lim := s.limits
	global := !edit
	perChat := !edit || lim.CountEdits
	if global && lim.GlobalPerSecond > 0 && s.globalWin.count(now) >= lim.GlobalPerSecond {
		return s.globalWin.retryAfter(now, lim.GlobalPerSecond), false
	}
	if perChat && lim.PerChatPerSecond > 0 && c.secWin.count(now) >= lim.PerChatPerSecond {
		return c.secWin.retryAfter(now, lim.PerChatPerSecond), false
	}
	if perChat && c.id < 0 && lim.PerGroupPerMinute > 0 && c.minWin.count(now) >= lim.PerGroupPerMinute {
		return c.minWin.retryAfter(now, lim.PerGroupPerMinute), false
	}
	if global {
		s.stats.MaxPerSecondObserved = max(s.stats.MaxPerSecondObserved, s.globalWin.add(now))
	}
	if perChat {
		s.stats.MaxPerChatPerSecondObserved = max(s.stats.MaxPerChatPerSecondObserved, c.secWin.add(now))
		if c.id < 0 {
			s.stats.MaxPerGroupPerMinuteObserved = max(s.stats.MaxPerGroupPerMinuteObserved, c.minWin.add(now))
		}
	}
	return 0, true
}

// SetLimits replaces the flood limits; history of earlier sends is kept, so
// tightening limits mid-run takes effect against real recent traffic.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	s.limits = l
	s.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByMethod = make(map[string]int, len(s.stats.ByMethod))
	for k, v := range s.stats.ByMethod {
		st.ByMethod[k] = v
	}
	return st
}

// ResetStats zeroes the counters and observed maxima, e.g. between a
// warm-up and the measured part of a benchmark.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = Stats{ByMethod: map[string]int{}}
	s.mu.Unlock()
}

// Block makes every send to the user's private chat fail with 403, as
// when the user blocked the bot.
func (s *Server) Block(userID int64) {
	s.mu.Lock()
	s.blocked[userID] = true
	s.mu.Unlock()
}

// Unblock reverses Block.
func (s *Server) Unblock(userID int64) {
	s.mu.Lock()
	delete(s.blocked, userID)
	s.mu.Unlock()
}

// FailNext answers the next n send-like requests (sendMessage, sendPhoto,
// sendDocument, copyMessage, forwardMessage) with the given HTTP error code
// instead of processing them. It replaces any earlier FailNext.
func (s *Server) FailNext(n int, code int) {
	s.mu.Lock()
	s.failN, s.failCode = n, code
	s.mu.Unlock()
}

// FailNextOn is FailNext for one specific method, sends or otherwise (for
// example "editMessageText" or "answerCallbackQuery"). It takes precedence
// over FailNext for that method.
func (s *Server) FailNextOn(method string, n int, code int) {
	s.mu.Lock()
	s.failOn[canonicalMethod(method)] = failRule{n: n, code: code}
	s.mu.Unlock()
}

type failRule struct{ n, code int }

// SetLatency delays every answer by d, to emulate a slow Telegram.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// injectedFailure reports whether this request must be failed on purpose.
// Caller holds s.mu.
func (s *Server) injectedFailure(method string) *apiError {
	if r, ok := s.failOn[method]; ok && r.n > 0 {
		r.n--
		s.failOn[method] = r
		return codeError(r.code)
	}
	if sendMethods[method] && s.failN > 0 {
		s.failN--
		return codeError(s.failCode)
	}
	return nil
}

func codeError(code int) *apiError {
	switch code {
	case http.StatusTooManyRequests:
		return &apiError{code: code, desc: "Too Many Requests: retry after 1", retryAfter: 1}
	case http.StatusBadRequest:
		return &apiError{code: code, desc: "Bad Request"}
	case http.StatusForbidden:
		return &apiError{code: code, desc: "Forbidden"}
	}
	text := http.StatusText(code)
	if text == "" {
		text = "Internal Server Error"
	}
	return &apiError{code: code, desc: text}
}
