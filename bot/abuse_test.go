package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// A sender past their inbound budget has every update stored at once and handled later, in
// order, as the budget refills; they are told once to slow down; another chat is answered
// meanwhile without waiting for them.
func TestInboundBudget(t *testing.T) {
	t.Parallel()
	const flood = 15
	var keys []string
	for i := range flood {
		keys = append(keys, fmt.Sprint("a", i))
	}
	e := newEchoBot(append(keys, "b")...)
	h := bottest.Start(t, func(a *bot.App) {
		e.register(a)
		a.Config.InboundBurst = 5 // ten updates over it: ten seconds at one a second
		a.Config.InboundRate = 1
	})
	busy, other := h.TG.User(1401, "Busy", "en"), h.TG.User(1402, "Other", "en")
	var last int64
	for _, k := range keys {
		last = busy.SendText("/echo " + k)
	}
	other.SendText("/echo b")
	if _, err := other.WaitForText("echo b", wait); err != nil {
		t.Fatal(err)
	}
	var stored, handled int
	if err := h.Store.DB.Get(&stored, `SELECT count(*) FROM inbound_updates WHERE chat_id = $1`, busy.ID()); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.DB.Get(&handled, `SELECT count(*) FROM inbound_updates WHERE chat_id = $1 AND handled_at IS NOT NULL`, busy.ID()); err != nil {
		t.Fatal(err)
	}
	if stored != flood || handled == flood {
		t.Errorf("when the other chat was answered: %d of the busy chat's %d updates stored, %d handled; want all stored, not all handled", stored, flood, handled)
	}
	msgs, err := busy.WaitFor(2*flood*time.Second, func(m []telegramtest.Message) bool { return len(echoes(m)) >= flood })
	if err != nil {
		t.Fatalf("%v (got %d answers)", err, len(echoes(msgs)))
	}
	waitHandledUpdate(t, h, last)
	for i, got := range echoes(busy.Messages()) {
		if got != keys[i] {
			t.Fatalf("answer %d is %q, want %q (order lost)", i, got, keys[i])
		}
	}
	told := 0
	for _, m := range busy.Messages() {
		if strings.Contains(m.Plain(), "You are sending a lot at once") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("told to slow down %d times, want once", told)
	}
}

func waitHandledUpdate(t *testing.T, h *bottest.Harness, id int64) {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var handled bool
		if err := h.Store.DB.Get(&handled, `SELECT handled_at IS NOT NULL FROM inbound_updates WHERE update_id = $1`, id); err == nil && handled {
			return
		}
	}
	t.Fatalf("update %d not handled", id)
}
