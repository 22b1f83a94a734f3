// Package lease is the one lease of a focalbot deployment: of the instances running against
// one database, the one holding it polls Telegram and sends the outbox, so that all the bot's
// traffic passes one limiter; the others stand by and one of them takes over, polling and
// sending together, when the holder goes.
//
// The lease is a PostgreSQL advisory lock held by a session of its own. The holder heartbeats
// every half second on that session (delivery_leader.heartbeat_at) and considers itself the
// holder only until two seconds after the start of its last successful heartbeat; a new holder
// starts two and a half seconds after the old holder's last heartbeat as the database recorded
// it. So the old holder has stopped before the new one starts, and a dead holder is replaced
// within about three seconds. Advisory locks are per database, so test databases on one server
// do not contend.
package lease

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// LockKey is the advisory lock of the lease ("focaldlv": it was the sending lease's before
// polling joined it, and stays so that an instance of the previous version, still sending,
// excludes a new one during a rolling upgrade).
const LockKey int64 = 0x666f63616c646c76

// The lease's timing.
const (
	heartbeatEvery = 500 * time.Millisecond
	validity       = 2 * time.Second
	handoverMargin = 500 * time.Millisecond
	retryEvery     = 500 * time.Millisecond
)

// Lease takes and keeps the lease for the users of one process. Several users (the poller and
// the dispatcher) share a term: Acquire hands the current term to each, taking the lease when
// there is none; a term ends for all when it is lost, and is released once every user has
// released it.
type Lease struct {
	DB  *sql.DB
	Log *slog.Logger
	// Unreachable, if set, is called while the lease is sought and the database cannot be
	// reached (the poller looks at Telegram's queue to tell people to wait).
	Unreachable func(ctx context.Context)
	// BeforeTry, if set, is called before each try to take the lease (the poller writes what
	// it told, or left untold, while the database was out of reach).
	BeforeTry func(ctx context.Context)

	standby atomic.Bool // another instance holds the lease

	acquiring chan struct{} // one acquisition at a time
	mu        sync.Mutex
	cur       *Term
	users     int
	clean     bool
	released  chan struct{} // closed when cur is released
}

// New returns the lease of db.
func New(db *sql.DB, log *slog.Logger) *Lease {
	if log == nil {
		log = slog.Default()
	}
	return &Lease{DB: db, Log: log, acquiring: make(chan struct{}, 1)}
}

// Term is one tenure of the lease.
type Term struct {
	ID   int64 // recorded by the users (the outbox's lease_owner)
	conn *sql.Conn
	mu   sync.Mutex
	end  time.Time // self-fencing: nothing starts after it
	lost chan struct{}
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

// Valid reports whether this instance may still start something only the holder may do.
func (t *Term) Valid() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Now().Before(t.end)
}

// Lost is closed when the term ends without having been released: a heartbeat failed.
func (t *Term) Lost() <-chan struct{} { return t.lost }

func (t *Term) lose() { t.once.Do(func() { close(t.lost) }) }

// Standby reports whether another instance was found holding the lease the last time this one
// sought it, and this one does not hold it since.
func (l *Lease) Standby() bool { return l.standby.Load() }

// Held reports whether this instance holds the lease now.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil {
		return false
	}
	select {
	case <-l.cur.lost:
		return false
	default:
		return l.cur.Valid()
	}
}

// Acquire returns the term held, taking the lease first if need be (blocking until it is
// free, or ctx ends). Each Acquire is paired with one Release.
func (l *Lease) Acquire(ctx context.Context) (*Term, error) {
	select {
	case l.acquiring <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.acquiring }()
	for {
		l.mu.Lock()
		cur, released := l.cur, l.released
		if cur != nil {
			select {
			case <-cur.lost:
			default:
				l.users++
				l.mu.Unlock()
				return cur, nil
			}
		}
		l.mu.Unlock()
		if cur == nil {
			break
		}
		// The term was lost: its users are finishing; a new one starts once they all have.
		select {
		case <-released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	t, err := l.acquire(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.cur, l.users, l.clean, l.released = t, 1, true, make(chan struct{})
	l.mu.Unlock()
	return t, nil
}

// Release says this user is done with t; clean: it stopped with nothing left in doubt. When the
// last user releases a term, the lease is released; when every user stopped cleanly, the next
// holder need not wait for the heartbeat to expire.
func (l *Lease) Release(t *Term, clean bool) {
	l.mu.Lock()
	if l.cur != t {
		l.mu.Unlock()
		return
	}
	l.users--
	l.clean = l.clean && clean
	if l.users > 0 {
		l.mu.Unlock()
		return
	}
	clean, released := l.clean, l.released
	l.cur = nil
	l.mu.Unlock()
	l.release(t, clean)
	close(released)
}

// acquire blocks until this instance holds the lease, or ctx ends.
func (l *Lease) acquire(ctx context.Context) (*Term, error) {
	logged := false
	for {
		if l.BeforeTry != nil {
			l.BeforeTry(ctx)
		}
		t, err := l.tryAcquire(ctx)
		if t != nil {
			l.standby.Store(false)
			l.Log.Info("lease held: polling and sending", "term", t.ID)
			return t, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			l.Log.Warn("lease: database", "err", err)
			if l.Unreachable != nil {
				l.Unreachable(ctx)
			}
		} else if l.standby.Store(true); !logged {
			l.Log.Info("another instance holds the lease; standing by")
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retryEvery):
		}
	}
}

func (l *Lease) tryAcquire(ctx context.Context) (*Term, error) {
	conn, err := l.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, LockKey).Scan(&ok); err != nil || !ok {
		discard(conn)
		return nil, err
	}
	// The previous holder may still be acting until its last heartbeat's validity ends.
	var wait float64
	err = conn.QueryRowContext(ctx, `
		SELECT coalesce(extract(epoch FROM heartbeat_at + $1 * interval '1 second' - now()), 0)
		FROM delivery_leader WHERE id = 1`, (validity + handoverMargin).Seconds()).Scan(&wait)
	if err != nil {
		discard(conn)
		return nil, fmt.Errorf("read lease: %w", err)
	}
	if wait > 0 {
		l.Log.Info("lease taken over; waiting for the previous holder to stop", "wait", time.Duration(wait*float64(time.Second)))
		select {
		case <-ctx.Done():
			discard(conn)
			return nil, ctx.Err()
		case <-time.After(time.Duration(wait * float64(time.Second))):
		}
	}
	t := &Term{ID: rand.Int64N(1<<62) + 1, conn: conn, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	if err := l.heartbeat(ctx, t); err != nil {
		discard(conn)
		return nil, err
	}
	go l.keep(t)
	return t, nil
}

// heartbeat records that the holder is alive and extends its self-fencing deadline.
func (l *Lease) heartbeat(ctx context.Context, t *Term) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, validity/2)
	defer cancel()
	host, _ := os.Hostname()
	_, err := t.conn.ExecContext(ctx, `
		UPDATE delivery_leader SET holder = $1, term = $2, heartbeat_at = now() WHERE id = 1`,
		fmt.Sprintf("%s pid %d", host, os.Getpid()), t.ID)
	if err != nil {
		return fmt.Errorf("lease heartbeat: %w", err)
	}
	t.mu.Lock()
	t.end = start.Add(validity)
	t.mu.Unlock()
	return nil
}

// keep heartbeats until the term is released or a heartbeat fails (the lock's session is gone,
// or the database does not answer in time): then the term is lost.
func (l *Lease) keep(t *Term) {
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
		// lease is sought again. Staying on a doubtful session would risk two holders.
		if err := l.heartbeat(context.Background(), t); err != nil {
			l.Log.Warn("lease lost", "err", err)
			t.lose()
			return
		}
	}
}

// release ends the term. A clean release clears the heartbeat so the next holder need not wait.
func (l *Lease) release(t *Term, clean bool) {
	close(t.stop)
	<-t.done
	t.lose() // for anyone still watching
	if clean {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := t.conn.ExecContext(ctx, `UPDATE delivery_leader SET heartbeat_at = NULL WHERE id = 1 AND term = $1`, t.ID)
		if err == nil {
			_, err = t.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, LockKey)
		}
		cancel()
		if err != nil {
			l.Log.Warn("lease not released cleanly", "err", err)
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
