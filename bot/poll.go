package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"

	"focalbot/bot/lease"
	"focalbot/bot/store"
)

// poller long-polls getUpdates itself instead of using go-telegram/bot's Start: the library
// confirms an update (by asking for the next offset) before it is handled and keeps the offset
// in memory, so a crash loses updates. Here a batch is stored in the inbox first and only then
// confirmed; the offset resumes from the database after a restart.
type poller struct {
	client  *http.Client
	url     string // …/bot<token>/getUpdates
	timeout time.Duration
	store   *store.Store
	handle  func(u *models.Update, id int64)
	// leftOver queues the stored updates nobody handled, when this instance takes the lease.
	leftOver func(ctx context.Context)
	// beforeRelease lets the handlers in flight finish, when stopping, before the lease goes.
	beforeRelease func()
	// notSaved is told of the updates of a batch the database did not take (it is out of
	// reach): they are not confirmed, and come again with the next poll.
	notSaved func(ctx context.Context, us []*models.Update)
	// owed is told of the new updates of a saved batch before they are handled: which are owed
	// the notice that the database is back (outage_notices.go).
	owed func(ctx context.Context, ids []int64)
	log  interface {
		Warn(string, ...any)
		Error(string, ...any)
	}
	lastOK  atomic.Int64 // unix nanoseconds of the last successful poll
	offset  atomic.Int64 // the highest update ID confirmed (asked past) so far
	lease   *lease.Lease // shared with the dispatcher
	metrics *metrics

	// consume, when set (webhook mode), is what the lease holder runs instead of polling.
	consume func(ctx context.Context) error
}

// allowedUpdates are the kinds the bot acts on; others are not delivered at all.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

func (p *poller) run(ctx context.Context) error {
	offset, err := p.store.LastUpdateID(ctx)
	if err != nil {
		return err
	}
	p.offset.Store(offset)
	var failures int
	for ctx.Err() == nil {
		raws, err := p.getUpdates(ctx, offset+1)
		if err == nil {
			p.lastOK.Store(time.Now().UnixNano())
			var last int64
			last, err = p.store_(ctx, raws)
			if err == nil && last != 0 {
				// The batch's highest ID, even when lower than the offset before: after a week
				// without updates Telegram restarts the IDs at random, and only an offset past
				// the new ones confirms them.
				offset = last
				p.offset.Store(offset)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			failures++
			wait := backoff(failures)
			p.log.Warn("polling failed, retrying", "err", err, "retry_in", wait)
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			continue
		}
		failures = 0
	}
	return nil
}

// store_ saves a batch and hands the new updates on; it returns the highest update ID of the
// batch, to be confirmed by the next poll only when the save succeeded.
func (p *poller) store_(ctx context.Context, raws []json.RawMessage) (int64, error) {
	if len(raws) == 0 {
		return 0, nil
	}
	batch := make([]store.InboundUpdate, 0, len(raws))
	parsed := make(map[int64]*models.Update, len(raws))
	var last int64
	for _, raw := range raws {
		var u models.Update
		if err := json.Unmarshal(raw, &u); err != nil || u.ID == 0 {
			// By ID and size only: the payload may hold anything (names, texts, invitation codes).
			p.log.Error("undecodable update dropped", "update_id", undecodableID(raw), "size", len(raw))
			continue
		}
		last = max(last, u.ID)
		parsed[u.ID] = &u
		batch = append(batch, store.InboundUpdate{UpdateID: u.ID, ChatID: chatOf(&u), Kind: kindOf(&u), Payload: storedPayload(raw, &u)})
	}
	fresh, err := p.store.SaveUpdates(ctx, batch)
	if err != nil {
		if p.notSaved != nil && ctx.Err() == nil {
			us := make([]*models.Update, 0, len(batch))
			for _, b := range batch {
				us = append(us, parsed[b.UpdateID])
			}
			p.notSaved(ctx, us)
		}
		return 0, err
	}
	p.metrics.updatesReceived.Add(float64(len(fresh)))
	p.metrics.updatesDuplicate.Add(float64(len(batch) - len(fresh)))
	if p.owed != nil && len(fresh) > 0 {
		p.owed(ctx, fresh)
	}
	for _, id := range fresh {
		p.handle(parsed[id], id)
	}
	return last, nil
}

type getUpdatesAnswer struct {
	OK          bool              `json:"ok"`
	Result      []json.RawMessage `json:"result"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
}

func (p *poller) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	return p.getUpdatesWait(ctx, offset, p.timeout)
}

func (p *poller) getUpdatesWait(ctx context.Context, offset int64, wait time.Duration) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(wait.Seconds()), "allowed_updates": allowedUpdates,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) {
			return nil, fmt.Errorf("getUpdates: %w", uerr.Unwrap()) // drop the URL: it holds the token
		}
		return nil, errors.New("getUpdates: request failed")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	var a getUpdatesAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, undecodable answer", resp.StatusCode)
	}
	if !a.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", a.ErrorCode, a.Description)
	}
	return a.Result, nil
}

// backoff grows from 0.5 s to 30 s with ±25 % jitter, so instances do not retry in step.
func backoff(failures int) time.Duration {
	d := 500 * time.Millisecond << min(failures-1, 6)
	d = min(d, 30*time.Second)
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// chatOf is the chat an update belongs to, nil for none: the key that orders handling.
func chatOf(u *models.Update) *int64 {
	var id int64
	switch {
	case u.Message != nil:
		id = u.Message.Chat.ID
	case u.EditedMessage != nil:
		id = u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if u.CallbackQuery.Message.Message != nil {
			id = u.CallbackQuery.Message.Message.Chat.ID
		} else {
			id = u.CallbackQuery.From.ID
		}
	case u.MyChatMember != nil:
		id = u.MyChatMember.Chat.ID
	default:
		return nil
	}
	return &id
}

func kindOf(u *models.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	default:
		return "other"
	}
}

// undecodableID is the update_id of an update that does not decode as a whole, when at least
// that field does (0 otherwise): enough to find it, nothing of its content.
func undecodableID(raw json.RawMessage) int64 {
	var head struct {
		ID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &head)
	return head.ID
}
