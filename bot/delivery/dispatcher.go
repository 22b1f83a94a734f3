package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/store"
)

// Row is a claimed outbox row.
type Row struct {
	ID       int64  `db:"id"`
	MemberID int64  `db:"member_id"`
	ChatID   int64  `db:"chat_id"`
	Kind     string `db:"kind"`
	RefID    int64  `db:"ref_id"`
	Variant  string `db:"variant"`
	Priority int16  `db:"priority"`
	Attempts int    `db:"attempts"`
}

// Message is what a renderer makes of a row for its recipient: a text, or a photo or document
// (by Telegram file_id: never downloaded and uploaded again) with Text as its caption.
type Message struct {
	Text           string // HTML; the caption when a file is set
	ReplyMarkup    any    // a spec-clean keyboard, or nil
	PhotoFileID    string
	DocumentFileID string
}

// Renderer renders one kind of row in the recipient's current language. An error wrapping
// ErrSkip cancels the row (the thing was withdrawn, say) instead of failing it.
type Renderer func(ctx context.Context, row Row, to *store.Member) (Message, error)

// ErrSkip tells the dispatcher that a row no longer needs sending.
var ErrSkip = errors.New("nothing to send")

// Sender is the part of the Telegram client the dispatcher uses.
type Sender interface {
	SendMessage(ctx context.Context, params *tg.SendMessageParams) (*models.Message, error)
	SendPhoto(ctx context.Context, params *tg.SendPhotoParams) (*models.Message, error)
	SendDocument(ctx context.Context, params *tg.SendDocumentParams) (*models.Message, error)
}

// Dispatcher delivers the outbox.
type Dispatcher struct {
	Store     *store.Store
	Sender    Sender
	Renderers map[string]Renderer
	Log       *slog.Logger
	Batch     int           // rows claimed at once
	Idle      time.Duration // how often an idle dispatcher looks again
}

// Run delivers until ctx is cancelled.
func (d *Dispatcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.deliverBatch(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("delivery failed", "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(d.Idle):
			}
		}
	}
}

// deliverBatch claims due rows, most urgent first, and sends them one by one.
func (d *Dispatcher) deliverBatch(ctx context.Context) (int, error) {
	var rows []Row
	// SKIP LOCKED lets several dispatchers claim without waiting on each other; the lease
	// returns a row to the queue if its claimer dies.
	err := d.Store.DB.SelectContext(ctx, &rows, `
		UPDATE outbox SET state = 'sending', lease_until = now() + interval '1 minute', attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM outbox
			WHERE state = 'pending' AND not_before <= now()
			ORDER BY priority, not_before, id
			LIMIT $1
			FOR UPDATE SKIP LOCKED)
		RETURNING id, member_id, chat_id, kind, ref_id, variant, priority, attempts`, d.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	for _, r := range rows {
		d.deliver(ctx, r)
	}
	return len(rows), nil
}

func (d *Dispatcher) deliver(ctx context.Context, r Row) {
	m, err := d.Store.MemberByID(ctx, r.MemberID)
	if err != nil {
		d.finish(ctx, r, "failed", 0, err.Error())
		return
	}
	if !m.Active() {
		d.finish(ctx, r, "cancelled", 0, "member "+m.State)
		return
	}
	render, ok := d.Renderers[r.Kind]
	if !ok {
		d.finish(ctx, r, "failed", 0, "no renderer for "+r.Kind)
		return
	}
	msg, err := render(ctx, r, m)
	if errors.Is(err, ErrSkip) {
		d.finish(ctx, r, "cancelled", 0, err.Error())
		return
	}
	if err != nil {
		d.finish(ctx, r, "failed", 0, err.Error())
		return
	}
	sent, err := d.send(ctx, r.ChatID, msg)
	if err != nil {
		d.finish(ctx, r, "failed", 0, err.Error())
		return
	}
	d.finish(ctx, r, "sent", int64(sent.ID), "")
}

func (d *Dispatcher) finish(ctx context.Context, r Row, state string, msgID int64, lastErr string) {
	ctx = context.WithoutCancel(ctx)
	_, err := d.Store.DB.ExecContext(ctx, `
		UPDATE outbox SET state = $2, telegram_message_id = nullif($3, 0), last_error = nullif($4, ''),
		       lease_until = NULL, sent_at = CASE WHEN $2 = 'sent' THEN now() END
		WHERE id = $1`, r.ID, state, msgID, lastErr)
	if err != nil {
		d.Log.Error("delivery outcome not recorded", "outbox_id", r.ID, "state", state, "err", err)
	}
}

func (d *Dispatcher) send(ctx context.Context, chatID int64, msg Message) (*models.Message, error) {
	switch {
	case msg.PhotoFileID != "":
		p := &tg.SendPhotoParams{ChatID: chatID, Photo: &models.InputFileString{Data: msg.PhotoFileID},
			Caption: msg.Text, ParseMode: models.ParseModeHTML}
		if msg.ReplyMarkup != nil {
			p.ReplyMarkup = msg.ReplyMarkup
		}
		return d.Sender.SendPhoto(ctx, p)
	case msg.DocumentFileID != "":
		p := &tg.SendDocumentParams{ChatID: chatID, Document: &models.InputFileString{Data: msg.DocumentFileID},
			Caption: msg.Text, ParseMode: models.ParseModeHTML}
		if msg.ReplyMarkup != nil {
			p.ReplyMarkup = msg.ReplyMarkup
		}
		return d.Sender.SendDocument(ctx, p)
	}
	p := &tg.SendMessageParams{ChatID: chatID, Text: msg.Text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
	if msg.ReplyMarkup != nil {
		p.ReplyMarkup = msg.ReplyMarkup
	}
	return d.Sender.SendMessage(ctx, p)
}
