package bot

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-telegram/bot/models"
)

// runLeased polls only while this instance holds the lease (bot/lease), which the dispatcher
// shares: the instance that polls is the one that sends, so all the bot's traffic passes one
// limiter. Telegram serves getUpdates to one consumer at a time, and two instances taking
// turns would split a chat's updates between them and break their order; the inbox would keep
// them from being lost or handled twice, not from being handled out of order. If this process
// dies, PostgreSQL releases the lease and a standby takes over within about three seconds; if
// the lease is lost (its heartbeat fails), polling and sending stop together until it is held
// again.
func (p *poller) runLeased(ctx context.Context) error {
	for ctx.Err() == nil {
		t, err := p.lease.Acquire(ctx)
		if err != nil {
			return nil // ctx ended
		}
		if p.leftOver != nil {
			p.leftOver(ctx)
		}
		held, lost := context.WithCancel(ctx)
		go func() {
			select {
			case <-t.Lost():
				p.log.Warn("lease lost: polling stops until it is held again")
				lost()
			case <-held.Done():
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
		p.lease.Release(t, true)
		if err != nil && ctx.Err() == nil {
			p.log.Warn("polling stopped; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
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
