package bot

import (
	"context"
	"sync"
	"time"
)

// sequencer runs jobs so that the jobs of one key (a chat) run one after another in the order
// submitted, while different keys run concurrently, at most `workers` at once. Conversations are
// state machines: two updates of one chat handled out of order would corrupt them. A key holds
// at most maxQueuedPerChat jobs; a job may have to wait for a moment (notBefore: its sender is
// past their inbound budget), which its key waits out without holding a worker.
type sequencer struct {
	mu      sync.Mutex
	queues  map[int64][]seqJob
	slots   chan struct{}
	wg      sync.WaitGroup
	closed  bool
	ctx     context.Context // handed to jobs; outlives the poll context so in-flight work finishes
	cancel  context.CancelFunc
	stop    chan struct{} // closed by close: ends the pauses before retries
	pending int
}

type seqJob struct {
	run       func(context.Context) bool
	notBefore time.Time
}

func newSequencer(workers int) *sequencer {
	ctx, cancel := context.WithCancel(context.Background())
	return &sequencer{queues: map[int64][]seqJob{}, slots: make(chan struct{}, workers), ctx: ctx, cancel: cancel, stop: make(chan struct{})}
}

// submitAt queues job behind the earlier jobs of key, to start no earlier than notBefore (zero:
// at once). It returns false, doing nothing, after close (the update stays unhandled in the
// database and is handled after the restart) and when key already holds maxQueuedPerChat jobs.
// A job returning false could not be done (the database was unreachable): it is run again,
// after a pause, before the later jobs of its key, so a chat's updates keep their order; other
// keys go on meanwhile.
func (s *sequencer) submitAt(key int64, notBefore time.Time, job func(context.Context) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	q, running := s.queues[key]
	if len(q) >= maxQueuedPerChat {
		return false
	}
	s.queues[key] = append(q, seqJob{run: job, notBefore: notBefore})
	s.pending++
	if !running {
		s.wg.Add(1)
		go s.drain(key)
	}
	return true
}

func (s *sequencer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
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
		s.mu.Unlock()

		if wait := time.Until(job.notBefore); wait > 0 {
			select { // the wait holds no worker slot
			case <-s.stop:
			case <-time.After(wait):
			}
		}
		for failures := 1; ; failures++ {
			s.mu.Lock()
			stop := s.closed || s.ctx.Err() != nil
			s.mu.Unlock()
			if stop { // left unhandled in the database: the next start handles it
				break
			}
			s.slots <- struct{}{}
			done := job.run(s.ctx)
			<-s.slots
			if done {
				break
			}
			select { // the pause holds no worker slot
			case <-s.stop:
			case <-time.After(backoff(failures)):
			}
		}

		s.mu.Lock()
		q = s.queues[key]
		q[0] = seqJob{}
		s.queues[key] = q[1:]
		s.pending--
		s.mu.Unlock()
	}
}

// close stops starting queued jobs and waits up to timeout for the running ones; after that
// their context is cancelled.
func (s *sequencer) close(timeout time.Duration) {
	s.mu.Lock()
	if !s.closed {
		close(s.stop)
	}
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
