package bot

import (
	"context"

	"focalbot/bot/store"
)

// Require checks, at a step that commits something (submit an alert, send a request, post a
// follow-up or a status, confirm a broadcast, decide on an alert), the presser's current role
// and state against acc: r.Member is read afresh for every update, so a member whose role
// changed since their conversation began is refused here. A refused member's conversation
// ends (its draft goes) and they get the not-allowed answer; someone no longer a member gets
// the closed-network answer. The caller returns the error as is.
func (r *Request) Require(ctx context.Context, acc Access) error {
	if acc.allows(r.Member) {
		return nil
	}
	r.App.auditRefusedButton(ctx, r)
	if r.From != nil {
		_ = r.EndConv(ctx)
	}
	if r.Member != nil && r.Member.Active() {
		return Tell("error_not_allowed", nil)
	}
	if r.App.refuse != nil {
		return r.App.refuse(ctx, r)
	}
	return nil
}

// SeesAlert reports whether the presser may see an alert, by their current role: analysts
// and admins see every alert, anyone else the alerts whose audience included them and their
// own. Every alert button checks it before it reveals anything of the alert, and answers as
// for an alert that does not exist when it fails.
func (r *Request) SeesAlert(ctx context.Context, al *store.Alert) (bool, error) {
	if r.Member == nil || !r.Member.Active() {
		return false, nil
	}
	if r.Member.Role == store.RoleAnalyst || r.Member.Role == store.RoleAdmin || al.AuthorID == r.Member.ID {
		return true, nil
	}
	return store.IsRecipient(ctx, r.App.Store.DB, al.ID, r.Member.ID)
}
