package bot

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time. Deadlines of the domain (reminders, escalations, expiries, scheduled
// sends) are computed from it, never from time.Now, so tests move time forward instead of
// sleeping.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// FakeClock is a Clock that moves only when told; for tests and the sandbox.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock starts a fake clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now is the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the fake time forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// job is a periodic task: reminders, escalations, expiries, scheduled sends.
type job struct {
	name  string
	every time.Duration
	fn    func(ctx context.Context, now time.Time) error
}

// Job registers fn to run every interval with the clock's time. Several instances may run it
// at once: fn must claim its work in the database (a conditional UPDATE, FOR UPDATE SKIP
// LOCKED) so that each piece is done once.
func (a *App) Job(name string, every time.Duration, fn func(ctx context.Context, now time.Time) error) {
	a.jobs = append(a.jobs, job{name: name, every: every, fn: fn})
}

// RunJobs runs every job once, now, and waits for them: tests call it after moving the clock.
func (a *App) RunJobs(ctx context.Context) {
	for _, j := range a.jobs {
		a.runJob(ctx, j)
	}
}

func (a *App) runJob(ctx context.Context, j job) {
	if err := j.fn(ctx, a.Clock.Now()); err != nil && ctx.Err() == nil {
		a.Log.Error("job failed", "job", j.name, "err", err)
	}
}

// runJobs runs each job on its own ticker until ctx is cancelled.
func (a *App) runJobs(ctx context.Context, wg *sync.WaitGroup) {
	for _, j := range a.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					a.runJob(ctx, j)
				}
			}
		}()
	}
}
