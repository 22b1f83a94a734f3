package lease

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A process's users share one term; another process stands by while it is held, and takes
// it over once the holder's session dies, which both users of the holder see.
func TestUsersShareOneTermAndTakeOverTogether(t *testing.T) {
	t.Parallel()
	st, url := storetest.New(t)
	other, err := store.Open(context.Background(), url, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	a, b := New(st.DB.DB, quiet()), New(other.DB.DB, quiet())

	poll, err := a.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send, err := a.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if poll != send || !poll.Valid() || !a.Held() {
		t.Fatal("the two users of one process do not share one valid term")
	}
	got := make(chan *Term, 1)
	go func() {
		t, err := b.Acquire(ctx)
		if err == nil {
			got <- t
		}
	}()
	// The standby finds the lease taken.
	for deadline := time.Now().Add(10 * time.Second); !b.Standby(); {
		if time.Now().After(deadline) {
			t.Fatal("the second process is not standing by")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The holder's session dies (as when its process is killed or the connection drops).
	var pid int
	if err := poll.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := other.DB.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case <-poll.Lost():
	case <-time.After(10 * time.Second):
		t.Fatal("the term was not lost")
	}
	// Each user of the lost term lets go; the holder process seeks the lease anew only then.
	a.Release(poll, false)
	if a.Held() {
		t.Fatal("a lost term still counts as held")
	}
	a.Release(send, false)
	var taken *Term
	select {
	case taken = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("the standby did not take over")
	}
	if poll.Valid() || !taken.Valid() || !b.Held() || a.Held() {
		t.Fatal("old and new holders overlap")
	}
	b.Release(taken, true)
}
