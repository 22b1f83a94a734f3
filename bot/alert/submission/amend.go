package submission

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// VariantPublished is the outbox variant of a follow-up sent to the alert's whole audience.
const VariantPublished = "published"

// Amend publishes an update (kind "update") of a published alert, or cancels it (kind
// "cancel"), by analyst by, with text written in lang: the follow-up, published at once, queued
// to the recipients and the author (but by), the marks of the recipients' alerts, for a
// cancellation the refresh of the cards, and the audit, in the caller's transaction. It
// returns how many were queued. The chat's Update and Cancel and the Mini App's form both amend
// through it; store.ErrNotFound when the alert is no longer published.
func Amend(ctx context.Context, tx *sqlx.Tx, al *store.Alert, kind string, by int64, text, lang string, now time.Time) (int, error) {
	switch kind {
	case "cancel":
		if _, err := store.CancelAlert(ctx, tx, al.ID, text, now); err != nil {
			return 0, err
		}
	case "update":
		if al.State != store.AlertPublished {
			return 0, store.ErrNotFound
		}
	default:
		return 0, fmt.Errorf("submission: no amendment %q", kind)
	}
	f := &store.Followup{AlertID: al.ID, AuthorID: by, Kind: kind, Text: text, Lang: lang,
		CreatedAt: now, PublishedBy: &by, PublishedAt: &now}
	if _, err := store.InsertFollowup(ctx, tx, f); err != nil {
		return 0, err
	}
	n, err := EnqueueToAudience(ctx, tx, al, f.ID, by)
	if err != nil {
		return 0, err
	}
	if err := EnqueueMarks(ctx, tx, al, f.ID); err != nil {
		return 0, err
	}
	if kind == "cancel" { // the cards say so and lose the buttons of a live alert
		if err := RefreshCards(ctx, tx, al); err != nil {
			return 0, err
		}
	}
	return n, store.Audit(ctx, tx, store.AuditEntry{ActorID: &by, Action: "alert_" + kind, SubjectID: &al.ID,
		After: map[string]any{"ref": al.Ref, "text": text}})
}

// EnqueueToAudience queues a published follow-up to the alert's active recipients and its
// author, but its writer; it returns how many were queued.
func EnqueueToAudience(ctx context.Context, tx *sqlx.Tx, al *store.Alert, followupID, writer int64) (int, error) {
	rs, err := store.AlertRecipients(ctx, tx, al.ID)
	if err != nil {
		return 0, err
	}
	to := make([]store.Member, 0, len(rs)+1)
	for _, rc := range rs {
		to = append(to, rc.Member)
	}
	author, err := store.ReadMember(ctx, tx, al.AuthorID)
	if err != nil {
		return 0, err
	}
	to = append(to, *author)
	var items []delivery.Item
	for _, m := range to {
		if m.ID == writer || m.State != store.StateActive {
			continue
		}
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindFollowup, RefID: followupID,
			Variant: VariantPublished, Priority: Priority(al)})
	}
	return delivery.Enqueue(ctx, tx, items)
}

// EnqueueMarks queues the edit of each recipient's alert for the update or cancellation
// followupID.
func EnqueueMarks(ctx context.Context, tx *sqlx.Tx, al *store.Alert, followupID int64) error {
	rs, err := store.AlertRecipients(ctx, tx, al.ID)
	if err != nil {
		return err
	}
	items := make([]delivery.Item, 0, len(rs))
	for _, rc := range rs {
		if rc.State == store.StateActive {
			items = append(items, delivery.Item{MemberID: rc.ID, ChatID: rc.ChatID, Kind: KindMark, RefID: followupID,
				Priority: delivery.Routine})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

// Priority of an alert's messages: an urgent alert overtakes everything; a drill never
// overtakes real traffic.
func Priority(al *store.Alert) delivery.Priority {
	switch {
	case al.Drill:
		return delivery.Routine
	case al.Classification == alert.ClassUrgent:
		return delivery.Urgent
	case al.Classification == alert.ClassAttention:
		return delivery.Routine
	}
	return delivery.High
}
