package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

const wait = 15 * time.Second

// echoBot answers "/echo X" with "echo X", counting how often each X was handled; "/panic"
// panics; "/slow" takes a while.
type echoBot struct {
	handled map[string]*atomic.Int32
}

func newEchoBot(keys ...string) *echoBot {
	e := &echoBot{handled: map[string]*atomic.Int32{}}
	for _, k := range keys {
		e.handled[k] = &atomic.Int32{}
	}
	return e
}

func (e *echoBot) register(a *bot.App) {
	a.Config.OutsiderAnswerEvery = -1 // the echo answers anyone, as often as asked
	a.Config.InboundBurst = 1000      // streams of a chat's updates are tested here, not the budget
	a.Command("echo", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
		_, arg := r.Command()
		if c := e.handled[arg]; c != nil {
			c.Add(1)
		}
		_, err := r.App.Send(ctx, r.ChatID, "reply", "echo "+arg, nil)
		return err
	})
	a.Command("slow", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
		time.Sleep(300 * time.Millisecond)
		_, err := r.App.Send(ctx, r.ChatID, "reply", "slow done", nil)
		return err
	})
	a.Command("panic", bot.Anyone, func(ctx context.Context, r *bot.Request) error {
		panic("handler bug")
	})
}

func echoes(msgs []telegramtest.Message) []string {
	var out []string
	for _, m := range msgs {
		if s := m.Plain(); strings.HasPrefix(s, "echo ") {
			out = append(out, strings.TrimPrefix(s, "echo "))
		}
	}
	return out
}

// The same update delivered twice is handled once.
func TestDuplicateUpdateHandledOnce(t *testing.T) {
	t.Parallel()
	e := newEchoBot("once")
	h := bottest.Start(t, e.register)
	u := h.TG.User(700, "Dee", "en")
	id := u.SendText("/echo once")
	if _, err := u.WaitForText("echo once", wait); err != nil {
		t.Fatal(err)
	}
	h.TG.Redeliver(id)
	u.SendText("/echo after") // handled after the redelivered one: when it is answered, the duplicate was seen
	if _, err := u.WaitForText("echo after", wait); err != nil {
		t.Fatal(err)
	}
	if n := e.handled["once"].Load(); n != 1 {
		t.Fatalf("update handled %d times, want 1", n)
	}
	if got := echoes(u.Messages()); len(got) != 2 {
		t.Fatalf("answers %v, want one each", got)
	}
}

// Updates of one chat are handled in order even when they arrive together, and a stop in the
// middle of a stream followed by a restart loses none and handles none twice.
func TestRestartMidStreamLosesNoneHandlesNoneTwice(t *testing.T) {
	t.Parallel()
	// Replies to one chat go out at most one a second (Telegram's limit, kept by the limiter),
	// so the stream is short and the wait allows a second per answer.
	const perUser = 40
	var keys []string
	for u := 0; u < 3; u++ {
		for i := 0; i < perUser; i++ {
			keys = append(keys, fmt.Sprintf("%d-%d", u, i))
		}
	}
	e := newEchoBot(keys...)
	h := bottest.Start(t, e.register)
	users := []*telegramtest.User{h.TG.User(801, "A", "en"), h.TG.User(802, "B", "ru"), h.TG.User(803, "C", "en")}
	for i := 0; i < perUser; i++ {
		for n, u := range users {
			u.SendText(fmt.Sprintf("/echo %d-%d", n, i))
		}
		if i == perUser/2 {
			h.Restart()
		}
	}
	for n, u := range users {
		msgs, err := u.WaitFor(wait, func(m []telegramtest.Message) bool { return len(echoes(m)) >= perUser })
		if err != nil {
			t.Fatalf("user %d: %v (got %d answers)", n, err, len(echoes(msgs)))
		}
		got := echoes(msgs)
		for i := range perUser {
			if want := fmt.Sprintf("%d-%d", n, i); got[i] != want {
				t.Fatalf("user %d: answer %d is %q, want %q (order lost)", n, i, got[i], want)
			}
		}
	}
	h.WaitIdle() // a duplicate, if any, has been handled by now
	for k, c := range e.handled {
		if c.Load() != 1 {
			t.Errorf("%s handled %d times", k, c.Load())
		}
	}
	var unhandled int
	if err := h.Store.DB.Get(&unhandled, `SELECT count(*) FROM inbound_updates WHERE handled_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if unhandled != 0 {
		t.Errorf("%d updates left unhandled", unhandled)
	}
}

// Updates stored but not handled when the process stopped (it crashed after storing them) are
// handled by the next run.
func TestUnhandledUpdatesResumeAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEchoBot("queued")
	h := bottest.Start(t, e.register)
	u := h.TG.User(900, "Eve", "en")
	h.Stop()
	chat := u.ID()
	raw := fmt.Sprintf(`{"update_id":999999,"message":{"message_id":1,"date":1,"chat":{"id":%d,"type":"private"},`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Eve"},"text":"/echo queued",`+
		`"entities":[{"type":"bot_command","offset":0,"length":5}]}}`, chat, chat)
	if _, err := h.Store.SaveUpdates(context.Background(), []store.InboundUpdate{
		{UpdateID: 999999, ChatID: &chat, Kind: "message", Payload: json.RawMessage(raw)},
	}); err != nil {
		t.Fatal(err)
	}
	h.Run()
	if _, err := u.WaitForText("echo queued", wait); err != nil {
		t.Fatal(err)
	}
	if n := e.handled["queued"].Load(); n != 1 {
		t.Fatalf("handled %d times, want 1", n)
	}
}

// A panicking handler does not take the bot down: the person is told, the bot goes on.
func TestPanicInHandlerIsRecovered(t *testing.T) {
	t.Parallel()
	e := newEchoBot("alive")
	h := bottest.Start(t, e.register)
	u := h.TG.User(950, "Fay", "ru")
	u.SendText("/panic")
	if _, err := u.WaitForText("произошла ошибка", wait); err != nil {
		t.Fatalf("no localized error after a panic: %v", err)
	}
	u.SendText("/echo alive")
	if _, err := u.WaitForText("echo alive", wait); err != nil {
		t.Fatalf("bot dead after a panic: %v", err)
	}
	var outcome string
	if err := h.Store.DB.Get(&outcome, `SELECT outcome FROM inbound_updates WHERE payload->'message'->>'text' = '/panic'`); err != nil {
		t.Fatal(err)
	}
	if outcome != "panic" {
		t.Errorf("outcome = %q, want panic", outcome)
	}
}

// A slow chat does not hold up other chats.
func TestChatsHandledConcurrently(t *testing.T) {
	t.Parallel()
	e := newEchoBot("quick")
	h := bottest.Start(t, e.register)
	slow, quick := h.TG.User(960, "S", "en"), h.TG.User(961, "Q", "en")
	for range 5 {
		slow.SendText("/slow")
	}
	quick.SendText("/echo quick")
	if _, err := quick.WaitForText("echo quick", wait); err != nil {
		t.Fatal(err)
	}
	if n := len(slow.Messages()); n >= 5 {
		t.Errorf("the quick chat waited for all %d slow updates", n)
	}
}

// The access check fails closed: without a refusal handler, an outsider's command for members
// does not run the handler (the chat's next update shows the first was handled).
func TestAccessFailsClosedWithoutRefusal(t *testing.T) {
	t.Parallel()
	e := newEchoBot("after")
	var ran atomic.Int32
	h := bottest.Start(t, func(a *bot.App) {
		e.register(a)
		a.Command("secret", bot.Members, func(ctx context.Context, r *bot.Request) error {
			ran.Add(1)
			_, err := r.App.Send(ctx, r.ChatID, "reply", "secret", nil)
			return err
		})
	})
	u := h.TG.User(1301, "Out", "en")
	u.SendText("/secret")
	u.SendText("/echo after")
	if _, err := u.WaitForText("echo after", wait); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 0 {
		t.Fatalf("members' handler ran %d times for an outsider", n)
	}
}
