package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// Everyone who writes while the database is away is told that what they sent is kept — two
// before the bot restarts during the outage, three after (the new process takes no polling
// lease while the database is away, and peeks at Telegram to tell them) — and each is answered
// once the database is back.
func TestEveryoneToldDuringOutageAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEchoBot()
	h := bottest.Start(t, e.register)
	first := h.TG.User(1600, "A", "en")
	first.SendText("/echo hello")
	if _, err := first.WaitForText("echo hello", wait); err != nil {
		t.Fatal(err)
	}
	h.CutDatabase()
	users := make([]*telegramtest.User, 5)
	for i := range users {
		users[i] = h.TG.User(int64(1610+i), fmt.Sprint("U", i), "en")
	}
	for _, u := range users[:2] {
		u.SendText("/echo during")
	}
	h.Restart()
	for _, u := range users[2:] {
		u.SendText("/echo during")
	}
	notice := h.App().I18n.T("en", "error_unavailable", nil)
	for i, u := range users {
		if _, err := u.WaitForText(notice, wait); err != nil {
			t.Errorf("user %d not told: %v", i, err)
		}
	}
	h.RestoreDatabase()
	for i, u := range users {
		msgs, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool { return count(ms, "echo during") == 1 })
		if err != nil {
			t.Errorf("user %d not answered: %v", i, err)
			continue
		}
		if n := count(msgs, notice); n != 1 {
			t.Errorf("user %d told %d times, want once", i, n)
		}
	}
}

// A notice that Telegram refused is not counted as given: the next try tells them.
func TestOutageNoticeRetriedWhenNotSent(t *testing.T) {
	t.Parallel()
	e := newEchoBot()
	h := bottest.Start(t, e.register)
	u := h.TG.User(1620, "B", "en")
	u.SendText("/echo hello")
	if _, err := u.WaitForText("echo hello", wait); err != nil {
		t.Fatal(err)
	}
	h.CutDatabase()
	h.TG.FailNextOn("sendMessage", 1, 400)
	u.SendText("/echo during")
	notice := h.App().I18n.T("en", "error_unavailable", nil)
	if _, err := u.WaitForText(notice, wait); err != nil {
		t.Errorf("not told after the first notice failed: %v", err)
	}
	h.RestoreDatabase()
	if _, err := u.WaitForText("echo during", wait); err != nil {
		t.Errorf("not answered: %v", err)
	}
}

// twoInstances starts a second instance beside the harness's, on the same database and
// Telegram; stop stops it (once).
func twoInstances(t *testing.T, e *echoBot, h *bottest.Harness) (second *bot.App, stop func()) {
	t.Helper()
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
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return second, stop
}

// outageUsers waits until the first of two instances answers, notes which holds the lease,
// cuts the database and returns five people who have not written yet.
func outageUsers(t *testing.T, h *bottest.Harness, second *bot.App, base int64) (users []*telegramtest.User, firstHolds bool) {
	t.Helper()
	first := h.TG.User(base, "A", "en")
	first.SendText("/echo hello")
	if _, err := first.WaitForText("echo hello", wait); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "one instance holding the lease, the other standing by", func() bool {
		return h.App().Polling() != second.Polling()
	})
	firstHolds = h.App().Polling()
	h.CutDatabase()
	users = make([]*telegramtest.User, 5)
	for i := range users {
		users[i] = h.TG.User(base+10+int64(i), fmt.Sprint("U", i), "en")
	}
	return users, firstHolds
}

// Two instances on one database and one Telegram, both running through an outage: each person
// who writes meanwhile is told once (by the instance that held the lease; the standby, which
// sees the same updates at Telegram, leaves them to it) and answered once when it is back.
func TestOutageNoticeOnceWithTwoInstances(t *testing.T) {
	t.Parallel()
	e := newEchoBot()
	h := bottest.Start(t, e.register)
	second, _ := twoInstances(t, e, h)
	users, _ := outageUsers(t, h, second, 1630)
	notice := h.App().I18n.T("en", "error_unavailable", nil)
	back := h.App().I18n.T("en", "error_unavailable_back", nil)
	for _, u := range users {
		u.SendText("/echo during")
	}
	for i, u := range users {
		if _, err := u.WaitForText(notice, wait); err != nil {
			t.Errorf("user %d not told: %v", i, err)
		}
	}
	h.RestoreDatabase()
	for i, u := range users {
		msgs, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool { return count(ms, "echo during") == 1 })
		if err != nil {
			t.Errorf("user %d not answered: %v", i, err)
			continue
		}
		if n, b := count(msgs, notice), count(msgs, back); n != 1 || b != 0 {
			t.Errorf("user %d told %d times and told it is back %d times, want once and never", i, n, b)
		}
	}
}

// Two instances; the database goes away, two people write, the instance that held the lease
// stops, three more write, the database comes back and the other instance takes the lease:
// the first two were told during the outage; the three whose updates only the standby saw are
// told, once it is back and before their answer, that it was away; nobody gets a notice twice;
// everyone is answered once.
func TestOutageNoticeAcrossLeaseHandover(t *testing.T) {
	t.Parallel()
	e := newEchoBot()
	h := bottest.Start(t, e.register)
	second, stopSecond := twoInstances(t, e, h)
	users, firstHolds := outageUsers(t, h, second, 1660)
	notice := h.App().I18n.T("en", "error_unavailable", nil)
	back := h.App().I18n.T("en", "error_unavailable_back", nil)
	for _, u := range users[:2] {
		u.SendText("/echo during")
	}
	for i, u := range users[:2] {
		if _, err := u.WaitForText(notice, wait); err != nil {
			t.Errorf("user %d not told: %v", i, err)
		}
	}
	if firstHolds { // the instance that held the lease goes
		h.Stop()
	} else {
		stopSecond()
	}
	polls := h.TG.CallCount("getUpdates")
	for _, u := range users[2:] {
		u.SendText("/echo during")
	}
	// The standby looks at Telegram's queue (it peeks every half second while the database is
	// away) after the three updates are there: twice more, so one look surely began after them.
	waitUntil(t, "the standby looking at Telegram's queue", func() bool { return h.TG.CallCount("getUpdates") >= polls+2 })
	h.RestoreDatabase()
	for i, u := range users {
		msgs, err := u.WaitFor(wait, func(ms []telegramtest.Message) bool { return count(ms, "echo during") == 1 })
		if err != nil {
			t.Errorf("user %d not answered: %v", i, err)
			continue
		}
		n, b := count(msgs, notice), count(msgs, back)
		switch {
		case n > 1 || b > 1:
			t.Errorf("user %d told %d times that it is away and %d times that it is back, want at most once each", i, n, b)
		case i < 2 && n != 1:
			t.Errorf("user %d, who wrote while the holder ran, told %d times during the outage, want once", i, n)
		case i >= 2 && b != 1:
			t.Errorf("user %d, seen only by the standby, told %d times that it is back, want once", i, b)
		}
		if b == 1 {
			ib, ia := -1, -1
			for j, m := range msgs {
				switch m.Plain() {
				case back:
					ib = j
				case "echo during":
					ia = j
				}
			}
			if ib > ia {
				t.Errorf("user %d told that it is back after the answer", i)
			}
		}
	}
}
