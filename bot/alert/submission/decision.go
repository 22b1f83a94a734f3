package submission

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// The outbox kinds of a decision on an alert, and the longest reason; their renderers are
// handlers/alert's.
const (
	KindDecision = "alert_decision" // the outcome, to the author
	// KindMark edits a message already sent: a recipient's alert after an update or a
	// cancellation (ref the follow-up), or an analyst's copy of a decided revision (ref the
	// alert, variant VerifyMarkPrefix+"r<revision>").
	KindMark         = "alert_mark"
	VerifyMarkPrefix = "verify:"
	MaxReason        = 1000
)

// Decide returns (store.AlertReturned) or rejects (store.AlertRejected) revision al.Revision of a
// submitted alert, by analyst by, with reason: the decision, the author's notice, the marks
// of the other analysts' copies (all but except's: 0 for none) and the audit, in the caller's
// transaction. The chat's reason conversation and the Mini App's decision form both decide
// through it. store.ErrNotFound when the revision no longer awaits a decision (another analyst
// decided first, the author withdrew it).
func Decide(ctx context.Context, tx *sqlx.Tx, al *store.Alert, state string, by int64, reason string, now time.Time, except int64) (*store.Alert, error) {
	if state != store.AlertReturned && state != store.AlertRejected {
		return nil, fmt.Errorf("submission: no decision %q with a reason", state)
	}
	decided, err := store.DecideAlert(ctx, tx, al.ID, al.Revision, state, by, reason, "", now)
	if err != nil {
		return nil, err
	}
	if err := EnqueueDecision(ctx, tx, decided); err != nil {
		return nil, err
	}
	if err := EnqueueVerifyMarks(ctx, tx, decided, except); err != nil {
		return nil, err
	}
	err = store.Audit(ctx, tx, store.AuditEntry{ActorID: &by, Action: "alert_" + state, SubjectID: &al.ID,
		After: map[string]any{"ref": al.Ref, "reason": reason}})
	return decided, err
}

// EnqueueDecision queues the outcome for the author; the variant names the decision and the
// revision, so a second return after a resubmission is a new message.
func EnqueueDecision(ctx context.Context, tx *sqlx.Tx, al *store.Alert) error {
	author, err := store.ReadMember(ctx, tx, al.AuthorID)
	if err != nil {
		return err
	}
	_, err = delivery.Enqueue(ctx, tx, []delivery.Item{{MemberID: author.ID, ChatID: author.ChatID, Kind: KindDecision,
		RefID: al.ID, Variant: fmt.Sprintf("%s:r%d", al.State, al.Revision), Priority: delivery.High}})
	return err
}

// EnqueueVerifyMarks queues the edit of the analysts' copies of al's revision, but except's
// (0: none), whose copy lost its buttons when they pressed it.
func EnqueueVerifyMarks(ctx context.Context, tx *sqlx.Tx, al *store.Alert, except int64) error {
	analysts, err := store.Analysts(ctx, tx)
	if err != nil {
		return err
	}
	variant := fmt.Sprintf("%sr%d", VerifyMarkPrefix, al.Revision)
	items := make([]delivery.Item, 0, len(analysts))
	for _, m := range analysts {
		if m.ID != except {
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindMark, RefID: al.ID,
				Variant: variant, Priority: delivery.High})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}
