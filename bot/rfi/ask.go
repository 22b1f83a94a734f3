package rfi

import (
	"context"
	"errors"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/store"
)

// The rules of writing a request that the chat's /ask (handlers/request) and the Mini App's
// form (bot/console, confidential mode) both apply, each with its own way of asking: whom a
// request may name, how a typed reply-by time is read, and which alert it may refer to. The
// callers show the same refusals in the same order.

// MaxReplyAhead is how far ahead a reply-by time may be.
const MaxReplyAhead = 30 * 24 * time.Hour

// Errors of the checks below that the writer is told about (besides ErrMemberGone).
var (
	ErrAlertRef    = errors.New("rfi: not an alert reference")
	ErrAlertUnseen = errors.New("rfi: no such alert, or not shared with the asker")
)

// Addressable reports whether a request of askerID may name m as its one target: an active
// member other than the asker, and not an observer (observers submit and answer nothing).
func Addressable(m *store.Member, askerID int64) bool {
	return m.Active() && m.ID != askerID && m.Role != store.RoleObserver
}

// AddressableMembers keeps, in their order, the members a request of askerID may name.
func AddressableMembers(members []store.Member, askerID int64) []store.Member {
	var out []store.Member
	for _, m := range members {
		if Addressable(&m, askerID) {
			out = append(out, m)
		}
	}
	return out
}

// NamedMember is the member id that askerID chose to ask; ErrMemberGone when there is none
// such, or they may not be named (Addressable) — any more, or ever: a choice can be stale or
// forged.
func NamedMember(ctx context.Context, q store.Querier, askerID, id int64) (*store.Member, error) {
	m, err := store.MemberByID(ctx, q, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMemberGone
	}
	if err != nil {
		return nil, err
	}
	if !Addressable(m, askerID) {
		return nil, ErrMemberGone
	}
	return m, nil
}

// ParseReplyBy reads a typed reply-by time in loc, the typer's zone: a delay in the units of
// any locale (36h, 5d; 36ч, 5д) or a date and time (2026-03-05 14:00; a date alone means its
// end), by alert.ParseWhen. What cannot be used is an *alert.Problem: unreadable (its Data
// names the zone the time was read in), not in the future, or more than MaxReplyAhead ahead.
func ParseReplyBy(s string, now time.Time, loc *time.Location) (time.Time, error) {
	t, ok := alert.ParseWhen(s, now, loc)
	switch {
	case !ok:
		return time.Time{}, &alert.Problem{ID: "rfi_reply_by_bad_zone", Data: map[string]any{"Zone": alert.ZoneName(now, loc)}}
	case !t.After(now):
		return time.Time{}, &alert.Problem{ID: "rfi_reply_by_past"}
	case t.After(now.Add(MaxReplyAhead)):
		return time.Time{}, &alert.Problem{ID: "rfi_reply_by_far"}
	}
	return t, nil
}

// LinkAlert reads the reference of the alert a request of me is about, as typed, and returns
// it in its stored form. A request may name only an alert that exists and that me may see, by
// the register's rule (store.CanSee): the reference goes to every recipient, so a typo or a
// guess must not put an unknown or unshared alert in front of them. ErrAlertRef when the text
// is not an alert reference; ErrAlertUnseen, one error for both, when there is no such alert
// or me may not see it, so that the answer does not tell the two apart.
func LinkAlert(ctx context.Context, q store.Querier, me *store.Member, typed string) (string, error) {
	ref, ok := alert.NormaliseRef("ALR", typed)
	if !ok {
		return "", ErrAlertRef
	}
	al, err := store.AlertByRef(ctx, q, ref)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrAlertUnseen
	}
	if err != nil {
		return "", err
	}
	seen, err := store.CanSee(ctx, q, al.ID, me.ID, me.IsAnalyst())
	if err != nil {
		return "", err
	}
	if !seen {
		return "", ErrAlertUnseen
	}
	return ref, nil
}
