package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// LastUpdateID is the ID of the newest update the emulator made (0 for none yet): every update
// up to it has been queued for the bot.
func (s *Server) LastUpdateID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextUpdateID - 1
}

// pushLocked queues an update of the given kind. Caller holds s.mu.
func (s *Server) pushLocked(kind string, payload any) int64 {
	id := s.nextUpdateID
	s.nextUpdateID++
	p, err := json.Marshal(payload)
	if err != nil {
		panic("telegramtest: marshal update: " + err.Error())
	}
	var b bytes.Buffer
	b.WriteString(`{"update_id":`)
	b.WriteString(strconv.FormatInt(id, 10))
	b.WriteString(`,"`)
	b.WriteString(kind)
	b.WriteString(`":`)
	b.Write(p)
	b.WriteByte('}')
	s.enqueueLocked(queuedUpdate{id: id, kind: kind, raw: b.Bytes()})
	return id
}

func (s *Server) enqueueLocked(u queuedUpdate) {
	s.allUpdates[u.id] = u
	n := len(s.queue)
	if n == 0 || s.queue[n-1].id < u.id {
		s.queue = append(s.queue, u)
	} else {
		i := sort.Search(n, func(i int) bool { return s.queue[i].id >= u.id })
		if i < n && s.queue[i].id == u.id {
			s.queue[i] = u
		} else {
			s.queue = append(s.queue, queuedUpdate{})
			copy(s.queue[i+1:], s.queue[i:])
			s.queue[i] = u
		}
	}
	s.wakeLocked()
}

func (s *Server) wakeLocked() {
	close(s.updWake)
	s.updWake = make(chan struct{})
}

// PushRawUpdate queues an arbitrary update given as JSON. A missing or zero
// update_id is assigned; an explicit one is kept and later ids continue
// after it. It panics on JSON that is not an object, a test bug.
func (s *Server) PushRawUpdate(raw []byte) int64 {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("telegramtest: PushRawUpdate: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var id int64
	if v, ok := m["update_id"]; ok {
		_ = json.Unmarshal(v, &id)
	}
	if id == 0 {
		id = s.nextUpdateID
	}
	if id >= s.nextUpdateID {
		s.nextUpdateID = id + 1
	}
	m["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	kind := ""
	for k := range m {
		if k != "update_id" {
			kind = k
		}
	}
	b, _ := json.Marshal(m)
	s.enqueueLocked(queuedUpdate{id: id, kind: kind, raw: b})
	return id
}

// Redeliver hands an update out again with its original update_id, even
// though the bot already confirmed it, as Telegram can after a restart or a
// network error. It lets tests prove that the bot ignores duplicates.
func (s *Server) Redeliver(updateID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.allUpdates[updateID]
	if !ok {
		panic("telegramtest: Redeliver: unknown update " + strconv.FormatInt(updateID, 10))
	}
	for _, q := range s.queue {
		if q.id == updateID {
			return // still pending: it will be delivered anyway
		}
	}
	u.delivered = false
	s.redeliver = append(s.redeliver, u)
	s.wakeLocked()
}

// RestartUpdateIDs makes the next update_id next, lower than those before if need be: Telegram
// picks the next update_id at random when a bot had no updates for a week, and a bot that
// keeps asking from its old offset must follow the new ids rather than wait above them.
func (s *Server) RestartUpdateIDs(next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdateID = next
}

// PendingUpdates is the number of updates not yet confirmed by the bot.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) + len(s.redeliver)
}

// confirmLocked applies getUpdates' offset: everything below it is
// forgotten. Caller holds s.mu.
func (s *Server) confirmLocked(offset int64, hasOffset bool) {
	if !hasOffset || offset == 0 {
		return
	}
	if offset < 0 {
		keep := int(-offset)
		if keep < len(s.queue) {
			s.queue = append(s.queue[:0], s.queue[len(s.queue)-keep:]...)
		}
		return
	}
	if offset > s.nextUpdateID {
		// Beyond every update_id handed out: a stale offset from before the ids restarted
		// (RestartUpdateIDs). Telegram confirms nothing with it and hands out the new ids.
		return
	}
	i := 0
	for i < len(s.queue) && s.queue[i].id < offset {
		i++
	}
	if i > 0 {
		s.queue = append(s.queue[:0], s.queue[i:]...)
	}
	kept := s.redeliver[:0]
	for _, u := range s.redeliver {
		if !(u.delivered && u.id < offset) {
			kept = append(kept, u)
		}
	}
	s.redeliver = kept
}

func (s *Server) collectLocked(limit int) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	n := 0
	add := func(u queuedUpdate) bool {
		if s.allowed != nil && !s.allowed[u.kind] {
			return false
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(u.raw)
		n++
		return true
	}
	for i := range s.redeliver {
		if n >= limit {
			break
		}
		if add(s.redeliver[i]) {
			s.redeliver[i].delivered = true
		}
	}
	// Updates of kinds the bot did not ask for are dropped, as Telegram
	// never stores them.
	filtered := s.queue[:0]
	for _, u := range s.queue {
		if s.allowed != nil && !s.allowed[u.kind] {
			continue
		}
		filtered = append(filtered, u)
	}
	s.queue = filtered
	for _, u := range s.queue {
		if n >= limit {
			break
		}
		add(u)
	}
	if n == 0 {
		return nil
	}
	b.WriteByte(']')
	return b.Bytes()
}

func handleGetUpdates(s *Server, ctx context.Context, q *request) (any, *apiError) {
	offset, hasOffset := q.integer("offset")
	limit := 100
	if l, ok := q.integer("limit"); ok && l >= 1 && l <= 100 {
		limit = int(l)
	}
	timeout, _ := q.integer("timeout")
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if v, ok := q.p["allowed_updates"]; ok {
		var kinds []string
		if json.Unmarshal([]byte(v), &kinds) == nil {
			if len(kinds) == 0 {
				s.allowed = nil
			} else {
				s.allowed = map[string]bool{}
				for _, k := range kinds {
					s.allowed[k] = true
				}
			}
		}
	}
	s.confirmLocked(offset, hasOffset)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		res := s.collectLocked(limit)
		wake := s.updWake
		s.mu.Unlock()
		if res != nil || deadline == nil {
			if res == nil {
				res = json.RawMessage("[]")
			}
			return res, nil
		}
		select {
		case <-wake:
		case <-deadline:
			return json.RawMessage("[]"), nil
		case <-ctx.Done():
			return json.RawMessage("[]"), nil
		case <-s.closed:
			return json.RawMessage("[]"), nil
		}
	}
}
