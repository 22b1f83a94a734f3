package bot_test

import (
	"fmt"
	"testing"

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
