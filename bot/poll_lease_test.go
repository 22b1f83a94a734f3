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
