package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/go-telegram/bot/models"
)

// pollLockKey is the PostgreSQL advisory lock of the polling lease ("focalbot pol").
// Advisory locks are per database, so test databases on one server do not contend.
const pollLockKey int64 = 0x666f63616c706f6c

// runLeased polls only while this instance holds the polling lease. Telegram serves getUpdates
// to one consumer at a time, and two instances taking turns would split a chat's updates
// between them and break their order; the inbox would keep them from being lost or handled
// twice, not from being handled out of order. The lock is a session lock on a connection of
// its own: if this process dies, PostgreSQL releases it and a standby takes over within
// leaseCheck; if the connection breaks, polling stops until the lock is held again.
func (p *poller) runLeased(ctx context.Context) error {
	const leaseCheck = time.Second
	for ctx.Err() == nil {
		conn, err := p.tryLease(ctx)
		if err != nil || conn == nil {
			if err != nil && ctx.Err() == nil {
				p.log.Warn("polling lease: database", "err", err)
				p.peek(ctx)
			}
			p.standby.Store(true)
			select {
			case <-ctx.Done():
			case <-time.After(leaseCheck):
			}
			continue
		}
		p.standby.Store(false)
		if p.leftOver != nil {
			p.leftOver(ctx)
		}
		held, lost := context.WithCancel(ctx)
		go func() {
			t := time.NewTicker(leaseCheck)
			defer t.Stop()
			for {
				select {
				case <-held.Done():
					return
				case <-t.C:
					if err := conn.PingContext(held); err != nil && held.Err() == nil {
						p.log.Warn("polling lease lost: its connection broke", "err", err)
						lost()
						return
					}
				}
			}
		}()
		if p.consume != nil {
			err = p.consume(held)
		} else {
			err = p.run(held)
		}
		lost()
		if ctx.Err() != nil && p.beforeRelease != nil {
			// Stopping: the updates being handled finish before the lease goes, or the next
			// holder would find them unmarked and handle them again.
			p.beforeRelease()
		}
		release := context.WithoutCancel(ctx)
		_, _ = conn.ExecContext(release, `SELECT pg_advisory_unlock($1)`, pollLockKey)
		conn.Close()
		if err != nil && ctx.Err() == nil {
			p.log.Warn("polling stopped; retrying", "err", err)
			time.Sleep(leaseCheck)
		}
	}
	return nil
}

// tryLease takes the polling lock if it is free: the connection holding it, or nil when
// another instance polls.
func (p *poller) tryLease(ctx context.Context) (*sql.Conn, error) {
	conn, err := p.store.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, pollLockKey).Scan(&got); err != nil {
		conn.Close()
		return nil, err
	}
	if !got {
		conn.Close()
		return nil, nil
	}
	return conn, nil
}

// peek looks, while the database is out of reach, at the updates waiting at Telegram without
// confirming any (it asks from the offset last confirmed, which Telegram has already
// forgotten the updates below), so their senders can be told to wait rather than meet
// silence. Nothing is stored or handled: the poll that holds the lease does that once the
// database is back. Another instance polling at the same time (its connection to the database
// intact) makes Telegram answer one of the two with 409 Conflict, which both retry.
func (p *poller) peek(ctx context.Context) {
	if p.notSaved == nil || p.consume != nil {
		return
	}
	raws, err := p.getUpdatesWait(ctx, p.offset.Load()+1, 0)
	if err != nil || len(raws) == 0 {
		return
	}
	us := make([]*models.Update, 0, len(raws))
	for _, raw := range raws {
		var u models.Update
		if json.Unmarshal(raw, &u) == nil && u.ID != 0 {
			us = append(us, &u)
		}
	}
	p.notSaved(ctx, us)
}
