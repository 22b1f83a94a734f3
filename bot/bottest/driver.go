package bottest

import (
	"context"
	"strings"
	"time"

	"focalbot/bot/telegramtest"
)

// Wait is how long the driver waits for something the bot should do.
const Wait = 10 * time.Second

// The end-to-end test driver: a Person says and clicks, then waits for a text or a toast;
// the Harness waits until the bot is idle. A test shows that something did NOT happen by
// waiting until idle and then asserting, never by sleeping.

// WaitIdle waits until the bot is idle: every update the emulator has made is stored and
// handled, every pressed button answered, and no outbox row due (pending or being sent).
// Rows waiting for a later time (a retry's backoff) do not count.
func (h *Harness) WaitIdle() {
	h.T.Helper()
	deadline := time.Now().Add(Wait)
	for quiet := 0; quiet < 2; { // idle twice in a row: nothing was between two steps
		if h.idle() {
			quiet++
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("bottest: the bot is not idle after %s", Wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *Harness) idle() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	last := h.TG.LastUpdateID()
	var stored, unhandled, due int
	err := h.Store.DB.QueryRowContext(ctx, `
		SELECT (SELECT count(*) FROM inbound_updates WHERE update_id = $1),
		       (SELECT count(*) FROM inbound_updates WHERE handled_at IS NULL),
		       (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending') AND not_before <= now())`,
		last).Scan(&stored, &unhandled, &due)
	if err != nil {
		return false
	}
	return (last <= 0 || stored == 1) && unhandled == 0 && due == 0 && h.TG.UnansweredCallbacks() == 0
}

// Person is one user of a test, driven through the emulator.
type Person struct {
	*telegramtest.User
	h      *Harness
	mark   int                    // transcript length at the last action: toasts are looked for after it
	count  int                    // messages at the last action: new ones are looked for after it
	before []telegramtest.Message // the chat at the last action, for WaitMore
}

// Person returns a Telegram user of the emulator with the driver's helpers.
func (h *Harness) Person(id int64, firstName, languageCode string) *Person {
	return h.Drive(h.TG.User(id, firstName, languageCode))
}

// Drive gives an emulator user the driver's helpers.
func (h *Harness) Drive(u *telegramtest.User) *Person { return &Person{User: u, h: h} }

func (p *Person) act() {
	p.mark = len(p.Transcript())
	p.before = p.Messages()
	p.count = len(p.before)
}

// SayWait says text and waits for another message containing want (see WaitMore).
func (p *Person) SayWait(text, want string) telegramtest.Message {
	p.h.T.Helper()
	p.Say(text)
	return p.WaitMore(want)
}

// ClickWait clicks the button labelled label and waits for another message containing want.
func (p *Person) ClickWait(label, want string) telegramtest.Message {
	p.h.T.Helper()
	p.Click(label)
	return p.WaitMore(want)
}

// WaitMore waits until more messages contain substr than did at the last Say or Press (a new
// one, or an earlier one edited to say it), and returns the newest of them.
func (p *Person) WaitMore(substr string) telegramtest.Message {
	p.h.T.Helper()
	had := CountText(p.before, substr)
	var found telegramtest.Message
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		if CountText(ms, substr) <= had {
			return false
		}
		for i := len(ms) - 1; i >= 0; i-- {
			if strings.Contains(ms[i].Plain(), substr) {
				found = ms[i]
				break
			}
		}
		return true
	}); err != nil {
		p.h.T.Fatalf("%s: want another message with %q: %v", p.FirstName(), substr, err)
	}
	return found
}

// WaitLast waits until the chat's last message (new or edited in place) contains substr.
func (p *Person) WaitLast(substr string) telegramtest.Message {
	p.h.T.Helper()
	ms, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		return len(ms) > 0 && strings.Contains(ms[len(ms)-1].Plain(), substr)
	})
	if err != nil {
		p.h.T.Fatalf("%s: the last message does not say %q: %v", p.FirstName(), substr, err)
	}
	return ms[len(ms)-1]
}

// CountText is how many of the messages contain substr.
func CountText(ms []telegramtest.Message, substr string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Plain(), substr) {
			n++
		}
	}
	return n
}

// Say sends text, and returns its update ID.
func (p *Person) Say(text string) int64 {
	p.act()
	return p.SendText(text)
}

// Click presses the button labelled label on the newest message showing it. (Press, of the
// emulator's user, presses by message and data.)
func (p *Person) Click(label string) int64 {
	p.h.T.Helper()
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			if _, ok := ms[i].Button(label); ok {
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no button %q: %v", p.FirstName(), label, err)
	}
	p.act()
	id, err := p.PressButton(label)
	if err != nil {
		p.h.T.Fatalf("%s: press %q: %v", p.FirstName(), label, err)
	}
	return id
}

// ClickData presses the button with callback data data on message msgID (forged data too).
func (p *Person) ClickData(msgID int, data string) int64 {
	p.act()
	return p.PressForged(msgID, data)
}

// WaitText waits for a message (new or edited) containing substr, and returns the newest.
func (p *Person) WaitText(substr string) telegramtest.Message {
	p.h.T.Helper()
	m, err := p.WaitForText(substr, Wait)
	if err != nil {
		p.h.T.Fatalf("%s: no message with %q: %v", p.FirstName(), substr, err)
	}
	return m
}

// WaitNew waits for a message containing substr that arrived after the last Say or Press.
func (p *Person) WaitNew(substr string) telegramtest.Message {
	p.h.T.Helper()
	var found telegramtest.Message
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= p.count; i-- {
			if strings.Contains(ms[i].Plain(), substr) {
				found = ms[i]
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no new message with %q: %v", p.FirstName(), substr, err)
	}
	return found
}

// WaitToast waits for the answer to the last pressed button to show a toast containing substr.
func (p *Person) WaitToast(substr string) {
	p.h.T.Helper()
	if _, err := p.WaitFor(Wait, func([]telegramtest.Message) bool {
		events := p.Transcript()
		for _, e := range events[min(p.mark, len(events)):] {
			if e.Kind == telegramtest.EventCallbackAnswer && strings.Contains(e.Text, substr) {
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no toast %q after the last press: %v", p.FirstName(), substr, err)
	}
}

// WaitCount waits until n messages of the chat contain substr.
func (p *Person) WaitCount(substr string, n int) {
	p.h.T.Helper()
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool { return CountText(ms, substr) >= n }); err != nil {
		p.h.T.Fatalf("%s: want %d messages with %q: %v", p.FirstName(), n, substr, err)
	}
}

// Count is how many messages of the chat contain substr now.
func (p *Person) Count(substr string) int { return CountText(p.Messages(), substr) }

// WaitAfter waits for a message containing substr among those after the first after.
func (p *Person) WaitAfter(after int, substr string) telegramtest.Message {
	p.h.T.Helper()
	var found telegramtest.Message
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= after; i-- {
			if strings.Contains(ms[i].Plain(), substr) {
				found = ms[i]
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no message with %q after the first %d: %v", p.FirstName(), substr, after, err)
	}
	return found
}

// WaitOn waits until message msgID shows substr (edited in place, say).
func (p *Person) WaitOn(msgID int, substr string) {
	p.h.T.Helper()
	if _, err := p.WaitFor(Wait, func([]telegramtest.Message) bool {
		m, ok := p.Message(msgID)
		return ok && strings.Contains(m.Plain(), substr)
	}); err != nil {
		m, _ := p.Message(msgID)
		p.h.T.Fatalf("%s: message %d never showed %q; it shows %q", p.FirstName(), msgID, substr, m.Plain())
	}
}

// WaitButton waits for a message with a button whose data starts with prefix, and returns the
// newest such message and the button's data.
func (p *Person) WaitButton(prefix string) (telegramtest.Message, string) {
	p.h.T.Helper()
	var found telegramtest.Message
	var data string
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			for _, b := range ms[i].Buttons() {
				if strings.HasPrefix(b.CallbackData, prefix) {
					found, data = ms[i], b.CallbackData
					return true
				}
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no button %q…: %v", p.FirstName(), prefix, err)
	}
	return found, data
}

// ClickOn presses the button with data on message msgID once the message has it.
func (p *Person) ClickOn(msgID int, data string) {
	p.h.T.Helper()
	if _, err := p.WaitFor(Wait, func([]telegramtest.Message) bool {
		m, ok := p.Message(msgID)
		if !ok {
			return false
		}
		for _, b := range m.Buttons() {
			if b.CallbackData == data {
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: message %d has no button %q: %v", p.FirstName(), msgID, data, err)
	}
	p.act()
	if _, err := p.Press(msgID, data); err != nil {
		p.h.T.Fatalf("%s: press %q: %v", p.FirstName(), data, err)
	}
}

// ClickInPlace presses the button labelled label on the newest message showing it and waits
// until that very message shows want (the action's panel edited into its outcome, not a new
// message); it returns the message as it then reads.
func (p *Person) ClickInPlace(label, want string) telegramtest.Message {
	p.h.T.Helper()
	var id int
	var data string
	if _, err := p.WaitFor(Wait, func(ms []telegramtest.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			if b, ok := ms[i].Button(label); ok {
				id, data = ms[i].ID, b.CallbackData
				return true
			}
		}
		return false
	}); err != nil {
		p.h.T.Fatalf("%s: no button %q: %v", p.FirstName(), label, err)
	}
	return p.PressInPlace(id, data, want)
}

// PressInPlace presses the button with data on message msgID and waits until that message
// shows want (edited in place); it returns the message as it then reads.
func (p *Person) PressInPlace(msgID int, data, want string) telegramtest.Message {
	p.h.T.Helper()
	p.ClickOn(msgID, data)
	p.WaitOn(msgID, want)
	m, _ := p.Message(msgID)
	return m
}
