package rfi

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/store"
)

// What a party of a request does to it — reply, answer, decline, close — once the caller has
// checked who they are, shared by the chat (handlers/request) and the Mini App (bot/console),
// each in the caller's transaction with the request's row locked.

// MaxBody is how long the free text of one request or reply may be, in UTF-16 code units
// as Telegram counts: with the header it stays under the 4096 of one message. Longer text is
// refused, never cut.
const MaxBody = 3000

// CanSee: a member sees only the threads they are part of (requester, target, copy);
// analysts and admins see all.
func CanSee(ctx context.Context, q store.Querier, m *store.Member, x *store.RFI) (bool, error) {
	if m.IsAnalyst() || x.RequesterID == m.ID {
		return true, nil
	}
	_, err := store.RFIRecipientOf(ctx, q, x.ID, m.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Post relays a thread message to a group of the request (see Audience), its author left
// out, plus any extra recipients, in the caller's transaction.
func Post(ctx context.Context, tx *sqlx.Tx, x *store.RFI, who string, msg store.RFIMessage, files []File, extra ...int64) error {
	to, err := Audience(ctx, tx, x, who, *msg.AuthorID)
	if err != nil {
		return err
	}
	_, err = Relay(ctx, tx, x, msg, files, append(to, extra...))
	return err
}

// Audit records what a member did to a request in the audit log, in the caller's transaction.
func Audit(ctx context.Context, tx *sqlx.Tx, me *store.Member, action string, x *store.RFI, after map[string]any) error {
	subject := x.ID
	return store.Audit(ctx, tx, store.AuditEntry{ActorID: &me.ID, Action: action, SubjectID: &subject, After: after})
}

// Reply records a target's reply and relays it to the requester and CARICC. After the
// request was closed it is still relayed, marked as a late answer (late true).
func Reply(ctx context.Context, tx *sqlx.Tx, x *store.RFI, me *store.Member, body, lang string, files []File, now time.Time) (late bool, err error) {
	if err := store.SetRFIRecipientState(ctx, tx, x.ID, me.ID, store.RFIReplied, now); err != nil {
		return false, err
	}
	msg := store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgReply, Body: body, Lang: lang, Late: !x.Open(), CreatedAt: now}
	if err := Post(ctx, tx, x, "watchers", msg, files); err != nil {
		return false, err
	}
	return msg.Late, Audit(ctx, tx, me, "rfi_replied", x, map[string]any{"ref": x.Ref, "late": msg.Late, "files": len(files)})
}

// Answer relays the requester's answer to the targets (who have not declined) and the copies.
func Answer(ctx context.Context, tx *sqlx.Tx, x *store.RFI, me *store.Member, body, lang string, files []File, now time.Time) error {
	msg := store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgAnswer, Body: body, Lang: lang, CreatedAt: now}
	return Post(ctx, tx, x, "targets", msg, files)
}

// Decline records a target's decline with its reason and tells the requester and CARICC; if
// the decliner was handling the request (rc, their place in it), the others of their country
// are told it is open again.
func Decline(ctx context.Context, tx *sqlx.Tx, x *store.RFI, rc *store.RFIRecipient, me *store.Member, reason, lang string, now time.Time) error {
	if err := store.SetRFIRecipientState(ctx, tx, x.ID, me.ID, store.RFIDeclined, now); err != nil {
		return err
	}
	if err := Post(ctx, tx, x, "watchers", store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgDecline, Body: reason, Lang: lang, CreatedAt: now}, nil); err != nil {
		return err
	}
	if rc.State == store.RFIHandling {
		if err := Post(ctx, tx, x, "pool:"+rc.Pool, store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgReleased, CreatedAt: now}, nil); err != nil {
			return err
		}
	}
	return Audit(ctx, tx, me, "rfi_declined", x, map[string]any{"ref": x.Ref})
}

// Close closes a request for its requester and tells the targets; closed is false when it
// was closed already (nothing changed).
func Close(ctx context.Context, tx *sqlx.Tx, x *store.RFI, me *store.Member, now time.Time) (closed bool, err error) {
	closed, err = store.CloseRFI(ctx, tx, x.ID, me.ID, now)
	if err != nil || !closed {
		return false, err
	}
	if err := Post(ctx, tx, x, "targets", store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgClosed, CreatedAt: now}, nil); err != nil {
		return false, err
	}
	return true, Audit(ctx, tx, me, "rfi_closed", x, map[string]any{"ref": x.Ref})
}
