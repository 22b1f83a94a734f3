package handlers_test

import (
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/telegramtest"
)

// /alert REF sends the alert's attachments once per look: a look after the earlier look's
// copies arrived sends them again, once; a look repeated while the earlier look's copies are
// still queued (a double tap) does not queue them a second time. Whichever way the double tap
// races the dispatcher, no attachment is ever queued twice for the reader at once, and each
// queued copy arrives exactly once (#13). (The two looks of the double tap have the same time
// on the fake clock, so a second one after the first's copies arrived is refused by the
// outbox's key too; with the real clock it would send them again, as a later look does.)
func TestAlertViewSendsAttachmentsOncePerLook(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	const ref = "ALR-2026-000001"
	rl := n.replyLang(kazakhRU)
	n.say(kazakhRU, "/alert\nКлассификация: срочное\nТранспортное средство: авиагруз\n"+
		"Коносамент (B/L) или AWB: 176-12345675\nОписание: изъято 3 кг", n.plain(rl, "alert_review_head", nil))
	n.press(kazakhRU, n.plain(rl, "alert_btn_edit_files", nil), prefix(n.plain(rl, "alert_ask_files", map[string]any{"Max": alert.MaxFiles}), 10))
	before := n.count(kazakhRU)
	n.users[kazakhRU].SendAlbum(2, "")
	n.waitNew(kazakhRU, before, n.plain(rl, "alert_file_added", map[string]any{"Count": 1, "Max": alert.MaxFiles}))
	n.press(kazakhRU, n.plain(rl, "alert_btn_done", nil), n.plain(rl, "alert_review_head", nil))
	n.pressInPlace(kazakhRU, n.plain(rl, "alert_btn_submit", nil), ref)
	n.wait(analystEN, ref+" · attachment 2/2") // the copies of the verification

	files := func() [2]int {
		var got [2]int
		for _, m := range n.users[analystEN].Messages() {
			for i, s := range []string{ref + " · attachment 1/2", ref + " · attachment 2/2"} {
				if strings.HasPrefix(m.Plain(), s) {
					got[i]++
				}
			}
		}
		return got
	}
	waitFiles := func(want int) {
		t.Helper()
		if _, err := n.users[analystEN].WaitFor(bottest.Wait, func([]telegramtest.Message) bool {
			got := files()
			return got[0] >= want && got[1] >= want
		}); err != nil {
			t.Fatalf("attachments received %v, want %d each: %v", files(), want, err)
		}
	}
	// idle waits until nothing of the reader's attachments is queued or being sent any more
	// (a copy may have arrived a moment before its row is recorded as sent).
	idle := func() {
		t.Helper()
		deadline := time.Now().Add(bottest.Wait)
		for {
			var open int
			if err := n.h.Store.DB.Get(&open, `SELECT count(*) FROM outbox o JOIN members m ON m.id = o.member_id
				WHERE m.telegram_user_id = $1 AND o.kind = 'alert_file' AND o.state IN ('pending', 'sending')`, analystEN); err != nil {
				t.Fatal(err)
			}
			if open == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d attachments still queued", open)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	announced := n.plain("en", "alert_render_files", map[string]any{"Count": 2, "Below": true})
	if !strings.Contains(announced, "sent below") {
		t.Fatalf("the announcement's text is %q", announced)
	}

	// One look, its copies arrive; a second look, after them, sends them again.
	idle()
	n.say(analystEN, "/alert "+ref, announced)
	waitFiles(2)
	idle()
	n.h.Clock.Advance(time.Minute) // a look is told apart by its time (the variant)
	n.say(analystEN, "/alert "+ref, announced)
	waitFiles(3)
	idle()

	// A double tap: two looks at once.
	n.h.Clock.Advance(time.Minute)
	views := n.count(analystEN)
	n.users[analystEN].Say("/alert " + ref)
	n.users[analystEN].Say("/alert " + ref)
	if _, err := n.users[analystEN].WaitFor(bottest.Wait, func(ms []telegramtest.Message) bool {
		c := 0
		for _, m := range ms[min(views, len(ms)):] {
			if strings.Contains(m.Plain(), announced) {
				c++
			}
		}
		return c == 2
	}); err != nil {
		t.Fatalf("the two looks were not both answered: %v", err)
	}
	idle()
	type row struct {
		Variant string    `db:"variant"`
		Created time.Time `db:"created_at"`
		Sent    time.Time `db:"sent_at"`
	}
	var rows []row
	if err := n.h.Store.DB.Select(&rows, `SELECT o.variant, o.created_at, o.sent_at FROM outbox o JOIN members m ON m.id = o.member_id
		WHERE m.telegram_user_id = $1 AND o.kind = 'alert_file' AND o.variant LIKE 'v%' AND o.state = 'sent' ORDER BY o.id`, analystEN); err != nil {
		t.Fatal(err)
	}
	perFile := map[string][]row{}
	for _, r := range rows {
		f := r.Variant[strings.LastIndex(r.Variant, "f"):]
		perFile[f] = append(perFile[f], r)
	}
	got := files()
	for i, f := range []string{"f0", "f1"} {
		rs := perFile[f]
		if len(rs) < 3 || len(rs) > 4 {
			t.Errorf("attachment %s queued %d times by four looks (one a double tap), want 3 or 4", f, len(rs))
		}
		for j := 1; j < len(rs); j++ {
			if rs[j].Created.Before(rs[j-1].Sent) {
				t.Errorf("attachment %s queued again (%v) while the earlier copy was still queued (sent %v)", f, rs[j].Created, rs[j-1].Sent)
			}
		}
		// The verification's copy went to every analyst as another kind; the looks' copies
		// are these rows, each arrived once.
		if want := 1 + len(rs); got[i] != want {
			t.Errorf("attachment %s received %d times, want %d (the verification's and one per queued copy)", f, got[i], want)
		}
	}
}
