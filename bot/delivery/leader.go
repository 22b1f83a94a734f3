package delivery

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"
)

// leaderLockKey is the PostgreSQL advisory lock of the sending lease ("focalbot delivery").
// Advisory locks are per database, so test databases on one server do not contend.
const leaderLockKey int64 = 0x666f63616c646c76

// The lease's timing. The holder heartbeats every heartbeatEvery on the connection holding the
// lock and considers itself the sender only until leaseValidity after the start of its last
// successful heartbeat; a new holder starts sending leaseValidity+handoverMargin after the old
// holder's last heartbeat as the database recorded it (a heartbeat's now() is never earlier
// than the moment the holder sent it). So the old holder has stopped before the new one starts,
// and a dead holder is replaced within about three seconds.
const (
	heartbeatEvery = 500 * time.Millisecond
	leaseValidity  = 2 * time.Second
	handoverMargin = 500 * time.Millisecond
	lockRetry      = 500 * time.Millisecond
)

// term is one tenure of the sending lease.
type term struct {
	id    int64
	conn  *sql.Conn
	mu    sync.Mutex
	until time.Time // self-fencing: no send starts after this
	lost  chan struct{}
	once  sync.Once
	stop  chan struct{}
	done  chan struct{}
}

// valid reports whether this instance may still start a send.
func (t *term) valid() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Now().Before(t.until)
}

func (t *term) lose() { t.once.Do(func() { close(t.lost) }) }

// acquire blocks until this instance holds the sending lease, or ctx ends.
func (d *Dispatcher) acquire(ctx context.Context) (*term, error) {
	logged := false
	for {
		t, err := d.tryAcquire(ctx)
		if t != nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			d.Log.Warn("delivery lease: database", "err", err)
		} else if !logged {
			d.Log.Info("another instance is sending; standing by")
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lockRetry):
		}
	}
}

func (d *Dispatcher) tryAcquire(ctx context.Context) (*term, error) {
	conn, err := d.Store.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, leaderLockKey).Scan(&ok); err != nil || !ok {
		discard(conn)
		return nil, err
	}
	// The previous holder may still be sending until its last heartbeat's validity ends.
	var wait float64
	err = conn.QueryRowContext(ctx, `
		SELECT coalesce(extract(epoch FROM heartbeat_at + $1 * interval '1 second' - now()), 0)
		FROM delivery_leader WHERE id = 1`, (leaseValidity + handoverMargin).Seconds()).Scan(&wait)
	if err != nil {
		discard(conn)
		return nil, fmt.Errorf("read lease: %w", err)
	}
	if wait > 0 {
		d.Log.Info("delivery lease taken over; waiting for the previous holder to stop", "wait", time.Duration(wait*float64(time.Second)))
		select {
		case <-ctx.Done():
			discard(conn)
			return nil, ctx.Err()
		case <-time.After(time.Duration(wait * float64(time.Second))):
		}
	}
	t := &term{id: rand.Int64N(1<<62) + 1, conn: conn, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	if err := d.heartbeat(ctx, t); err != nil {
		discard(conn)
		return nil, err
	}
	go d.keepLease(t)
	return t, nil
}

// heartbeat records that the holder is alive and extends its self-fencing deadline.
func (d *Dispatcher) heartbeat(ctx context.Context, t *term) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, leaseValidity/2)
	defer cancel()
	host, _ := os.Hostname()
	_, err := t.conn.ExecContext(ctx, `
		UPDATE delivery_leader SET holder = $1, term = $2, heartbeat_at = now() WHERE id = 1`,
		fmt.Sprintf("%s pid %d", host, os.Getpid()), t.id)
	if err != nil {
		return fmt.Errorf("delivery lease heartbeat: %w", err)
	}
	t.mu.Lock()
	t.until = start.Add(leaseValidity)
	t.mu.Unlock()
	return nil
}

// keepLease heartbeats until the term is stopped or a heartbeat fails (the lock's session is
// gone, or the database does not answer in time): then the term is lost.
func (d *Dispatcher) keepLease(t *term) {
	defer close(t.done)
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		// Any failure ends the term: the session is discarded, which frees the lock, and the
		// lease is sought again. Staying on a doubtful session would risk two senders.
		if err := d.heartbeat(context.Background(), t); err != nil {
			d.Log.Warn("delivery lease lost", "err", err)
			t.lose()
			return
		}
	}
}

// release ends the term. A clean release (clean: every send of the term finished and was
// recorded) clears the heartbeat so the next holder need not wait.
func (d *Dispatcher) release(t *term, clean bool) {
	close(t.stop)
	<-t.done
	if clean {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := t.conn.ExecContext(ctx, `UPDATE delivery_leader SET heartbeat_at = NULL WHERE id = 1 AND term = $1`, t.id)
		if err == nil {
			_, err = t.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, leaderLockKey)
		}
		cancel()
		if err != nil {
			d.Log.Warn("delivery lease not released cleanly", "err", err)
		}
	}
	discard(t.conn)
}

// discard closes the session behind conn instead of returning it to the pool: a pooled
// session would keep holding the advisory lock.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
