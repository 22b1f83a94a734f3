package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// Two instances on one database: one polls, the other stands by; when the poller stops, the
// other takes over, and the updates of a chat keep their order throughout.
func TestOnlyOneInstancePolls(t *testing.T) {
	t.Parallel()
	e := newEchoBot()
	h := bottest.Start(t, e.register)
	ctx, cancel := context.WithCancel(context.Background())
	second, err := bot.New(ctx, h.Config, h.Store, bottest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	second.Clock = h.Clock
	e.register(second)
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	var once sync.Once
	stopSecond := func() { once.Do(func() { cancel(); <-done }) }
	defer stopSecond()

	waitUntil(t, "one instance polling", func() bool { return h.App().Polling() || second.Polling() })
	time.Sleep(1500 * time.Millisecond) // a lease check later, the other still stands by
	if h.App().Polling() == second.Polling() {
		t.Fatalf("first polls %v, second polls %v: want exactly one", h.App().Polling(), second.Polling())
	}

	u := h.TG.User(1500, "O", "en")
	send := func(from, to int) {
		for i := from; i < to; i++ {
			u.SendText(fmt.Sprintf("/echo %d", i))
		}
	}
	send(0, 10)
	if h.App().Polling() {
		h.Stop() // the poller goes; the standby must take over
	} else {
		stopSecond()
	}
	send(10, 20)
	msgs, err := u.WaitFor(wait, func(m []telegramtest.Message) bool { return len(echoes(m)) >= 20 })
	if err != nil {
		t.Fatalf("%v: got %d answers", err, len(echoes(msgs)))
	}
	for i, got := range echoes(msgs) {
		if want := fmt.Sprint(i); got != want {
			t.Fatalf("answer %d is %q, want %q: order lost", i, got, want)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// After a week without updates Telegram restarts update IDs at random, possibly lower than
// the offset the bot asks from: the bot follows the new IDs (and confirms them), before and
// after a restart.
func TestUpdateIDsRestartingLower(t *testing.T) {
	t.Parallel()
	e := newEchoBot("high", "low", "after restart")
	h := bottest.Start(t, e.register)
	u := h.TG.User(1600, "R", "en")
	h.TG.RestartUpdateIDs(5_000_000)
	u.SendText("/echo high")
	if _, err := u.WaitForText("echo high", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first update confirmed", func() bool { return h.TG.PendingUpdates() == 0 })
	h.TG.RestartUpdateIDs(1_000) // a week of silence later
	u.SendText("/echo low")
	if _, err := u.WaitForText("echo low", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the new updates confirmed", func() bool { return h.TG.PendingUpdates() == 0 })
	h.Restart()
	u.SendText("/echo after restart")
	if _, err := u.WaitForText("echo after restart", wait); err != nil {
		t.Fatal(err)
	}
	for k, c := range e.handled {
		if c.Load() != 1 {
			t.Errorf("%q handled %d times, want 1", k, c.Load())
		}
	}
}

// Updates the polling instance stored but had not handled when it stopped are handled by the
// instance that takes the lease over, without waiting for a restart.
func TestStandbyHandlesWhatThePollerLeft(t *testing.T) {
	t.Parallel()
	firstStarted := make(chan struct{})
	var once sync.Once
	register := func(a *bot.App) {
		a.Config.OutsiderAnswerEvery = -1
		a.Command("slow", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
			_, arg := r.Command()
			if arg == "0" {
				// In flight when the poller stops, and longer than the standby takes to try
				// the lease: it must still be handled once.
				once.Do(func() { close(firstStarted) })
				time.Sleep(1500 * time.Millisecond)
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			_, err := r.App.Send(ctx, r.ChatID, "reply", "done "+arg, nil)
			return err
		})
	}
	h := bottest.Start(t, register)
	waitUntil(t, "the first instance polling", h.App().Polling)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	second, err := bot.New(ctx, h.Config, h.Store, bottest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	second.Clock = h.Clock
	register(second)
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	defer func() { cancel(); <-done }()

	u := h.TG.User(1700, "L", "en")
	for i := range 8 {
		u.SendText(fmt.Sprintf("/slow %d", i))
	}
	waitUntil(t, "all eight stored", func() bool {
		var n int
		_ = h.Store.DB.Get(&n, `SELECT count(*) FROM inbound_updates`)
		return n == 8
	})
	<-firstStarted
	h.Stop() // finishes the update in flight before letting the lease go; the rest stay in the inbox
	msgs, err := u.WaitFor(wait, func(m []telegramtest.Message) bool { return len(m) >= 8 })
	if err != nil {
		t.Fatalf("the standby did not handle what was left: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate, if any, would arrive now
	msgs = u.Messages()
	for i := range 8 {
		n := 0
		for _, m := range msgs {
			if m.Plain() == fmt.Sprintf("done %d", i) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("/slow %d answered %d times, want once", i, n)
		}
	}
}
