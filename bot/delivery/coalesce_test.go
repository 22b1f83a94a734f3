package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/telegramtest"
)

// Coalesce merges refreshes of one thing for one member while one is pending, holds the pending
// one back from the dispatcher until the change it must show is committed, and queues a new one
// once the pending one is claimed: one edit per interval, none lost.
func TestCoalesce(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{})
	m := r.addMembers(1)[0]
	ctx := context.Background()
	it := Item{MemberID: m, ChatID: r.chatOf(m), Kind: "card", RefID: 7, Variant: "t", Priority: Routine}
	coalesce := func() {
		t.Helper()
		if err := r.st.InTx(ctx, func(tx *sqlx.Tx) error { return Coalesce(ctx, tx, it, time.Hour) }); err != nil {
			t.Fatal(err)
		}
	}
	rows := func() (n int) {
		t.Helper()
		if err := r.st.DB.Get(&n, `SELECT count(*) FROM outbox WHERE kind = 'card'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	coalesce()
	coalesce()
	if n := rows(); n != 1 {
		t.Fatalf("%d rows after two changes in one interval, want 1", n)
	}
	var due time.Time
	if err := r.st.DB.Get(&due, `SELECT not_before FROM outbox WHERE kind = 'card'`); err != nil || !due.After(time.Now()) {
		t.Fatalf("the refresh is due at %v (%v), want the end of the interval", due, err)
	}

	// While a change's transaction is open, the pending refresh cannot be claimed.
	tx, err := r.st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Coalesce(ctx, tx, it, time.Hour); err != nil {
		t.Fatal(err)
	}
	claimable := func() (ids []int64) {
		t.Helper()
		if err := r.st.DB.Select(&ids, `SELECT id FROM outbox WHERE kind = 'card' AND state = 'pending' FOR UPDATE SKIP LOCKED`); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if ids := claimable(); len(ids) != 0 {
		t.Errorf("the refresh was claimable before the change committed: %v", ids)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if ids := claimable(); len(ids) != 1 {
		t.Errorf("the refresh is not claimable after the commit: %v", ids)
	}

	// Claimed (or sent): the next change needs a refresh of its own, in the next interval.
	if _, err := r.st.DB.Exec(`UPDATE outbox SET state = 'sent' WHERE kind = 'card'`); err != nil {
		t.Fatal(err)
	}
	coalesce()
	if n := rows(); n != 2 {
		t.Fatalf("%d rows after a change following a sent refresh, want 2", n)
	}
}
