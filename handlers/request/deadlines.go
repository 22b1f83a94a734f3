package request

// The deadlines of requests for information: the reminder and the escalation at and after the
// reply-by time, and the release of requests held by members who are no longer active.

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// escalateAfter is how long after the reply-by time CARICC is told (rfi.EscalateAfter).
func escalateAfter(created, replyBy time.Time) time.Duration {
	return rfi.EscalateAfter(created, replyBy)
}

// owing lists the targets who still owe an answer: not declined, in a pool where nobody
// has replied yet.
func owing(rs []store.RFIRecipient) []int64 {
	answered := map[string]bool{}
	for _, rc := range rs {
		if rc.Role == store.RFITarget && rc.State == store.RFIReplied {
			answered[rc.Pool] = true
		}
	}
	var out []int64
	for _, rc := range rs {
		if rc.Role == store.RFITarget && !answered[rc.Pool] && (rc.State == store.RFIReceived || rc.State == store.RFIHandling) {
			out = append(out, rc.MemberID)
		}
	}
	return out
}

// deadlines sends the one reminder of each request whose reply-by time passed without an
// answer, and later escalates to CARICC those still unanswered. Each step is claimed and
// marked in one transaction, so it happens once across instances and restarts.
func deadlines(ctx context.Context, a *bot.App, now time.Time) error {
	for _, step := range []string{"remind", "escalate"} {
		err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
			due, err := store.ClaimDueRFIs(ctx, tx, step, now, 100)
			if err != nil {
				return err
			}
			for i := range due {
				r := &due[i]
				rs, err := store.RFIRecipients(ctx, tx, r.ID)
				if err != nil {
					return err
				}
				owing := owing(rs)
				if len(owing) > 0 {
					if step == "remind" {
						err = rfi.Enqueue(ctx, tx, r, owing, rfi.KindReminder, r.ID, nil)
					} else {
						members, lerr := store.ActiveMembers(ctx, tx)
						if lerr != nil {
							return lerr
						}
						var to []int64
						for _, m := range cARICC(members) {
							to = append(to, m.ID)
						}
						err = rfi.Enqueue(ctx, tx, r, to, rfi.KindEscalate, r.ID, nil)
					}
					if err != nil {
						return err
					}
					subject := r.ID
					if err := store.Audit(ctx, tx, store.AuditEntry{Action: "rfi_" + step, SubjectID: &subject,
						After: map[string]any{"ref": r.Ref, "owing": owing}}); err != nil {
						return err
					}
				}
				if err := store.MarkRFIStep(ctx, tx, r.ID, step, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
