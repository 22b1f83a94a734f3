package bot

import (
	"context"
	"sync"
	"time"
)

// sequencer runs jobs so that the jobs of one key (a chat) run one after another in the order
// submitted, while different keys run concurrently, at most `workers` at once. Conversations are
// state machines: two updates of one chat handled out of order would corrupt them.
type sequencer struct {
	mu      sync.Mutex
	queues  map[int64][]func(context.Context)
	slots   chan struct{}
	wg      sync.WaitGroup
	closed  bool
	ctx     context.Context // handed to jobs; outlives the poll context so in-flight work finishes
	cancel  context.CancelFunc
	pending int
}

func newSequencer(workers int) *sequencer {
	ctx, cancel := context.WithCancel(context.Background())
	return &sequencer{queues: map[int64][]func(context.Context){}, slots: make(chan struct{}, workers), ctx: ctx, cancel: cancel}
}

// submit queues job behind the earlier jobs of key. After close it does nothing: the update
// stays unhandled in the database and is handled after the restart.
func (s *sequencer) submit(key int64, job func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	q, running := s.queues[key]
	s.queues[key] = append(q, job)
	s.pending++
	if !running {
		s.wg.Add(1)
		go s.drain(key)
	}
}

func (s *sequencer) drain(key int64) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 || s.closed {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		job := q[0]
		q[0] = nil
		s.queues[key] = q[1:]
		s.mu.Unlock()

		s.slots <- struct{}{}
		job(s.ctx)
		<-s.slots

		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
	}
}

// close stops starting queued jobs and waits up to timeout for the running ones; after that
// their context is cancelled.
func (s *sequencer) close(timeout time.Duration) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		s.cancel()
		<-done
	}
	s.cancel()
}

// backlog is the number of jobs submitted and not yet finished.
func (s *sequencer) backlog() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}
