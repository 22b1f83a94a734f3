package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/handlers"
)

// columnsHolding lists the text and JSON columns of every table of the public schema in which
// any row holds s: found through information_schema, so a table added later is scanned too.
func columnsHolding(t *testing.T, h *bottest.Harness, s string) []string {
	t.Helper()
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
	}
	if err := h.Store.DB.Select(&cols, `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea')
		ORDER BY table_name, column_name`); err != nil {
		t.Fatal(err)
	}
	if len(cols) < 10 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	var found []string
	for _, c := range cols {
		var n int
		q := `SELECT count(*) FROM "` + c.Table + `" WHERE strpos("` + c.Column + `"::text, $1) > 0`
		if err := h.Store.DB.Get(&n, q, s); err != nil {
			t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
		}
		if n > 0 {
			found = append(found, c.Table+"."+c.Column)
		}
	}
	return found
}

// An invitation code is written to no table in clear: neither the message that showed it to
// the admin (outbound_messages) nor the /start that used it (inbound_updates).
func TestInviteCodeNeverStoredInClear(t *testing.T) {
	t.Parallel()
	const adminUID = 1860
	h := bottest.Start(t, handlers.Register, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	admin.SendText("/invite")
	expect(t, admin, "Which country is")
	admin.Click("Kyrgyzstan")
	expect(t, admin, "Which role will")
	admin.Click("focal point")
	expect(t, admin, "Which agency does")
	admin.Click("customs")
	expect(t, admin, "How long should")
	admin.Click("72 hours")
	done := expect(t, admin, "?start=")
	code := ""
	for _, line := range strings.Split(done.Plain(), "\n") {
		if _, c, ok := strings.Cut(line, "?start="); ok {
			code = c
		}
	}
	if len(code) < 22 {
		t.Fatalf("no code in %q", done.Plain())
	}
	u := h.Person(1861, "Kan", "en")
	picker := next(t, u, func() { u.SendText("/start " + code) })
	u.ClickOn(picker.ID, "reg:lang:en")
	expect(t, u, "Type your name")
	u.SendText("Kanat")
	expect(t, u, "Type your unit")
	u.SendText("Bishkek CPU")
	u.ClickOn(expect(t, u, "Please check").ID, "reg:ok")
	expect(t, u, "you are now a member")

	if found := columnsHolding(t, h, code); len(found) > 0 {
		t.Errorf("the invitation code is stored in clear in %v", found)
	}
	// The records keep the marker instead, so they still say what happened.
	for _, c := range []struct{ table, column string }{{"outbound_messages", "text"}, {"inbound_updates", "payload"}} {
		if found := columnsHolding(t, h, store.SecretMarker); !strings.Contains(strings.Join(found, " "), c.table+"."+c.column) {
			t.Errorf("no marker in %s.%s (marker found in %v)", c.table, c.column, found)
		}
	}
}

// /invites lists the open invitations with who made them; Revoke makes a code invalid, both for
// a newcomer and for someone who began registering with it; an expired code is invalid too,
// also when the registration begun before its expiry completes after it. focalbot invites
// (cli) does the same from the command line: see TestCLIInvites.
func TestInvitesListAndRevoke(t *testing.T) {
	t.Parallel()
	const adminUID = 1870
	h := bottest.Start(t, handlers.Register, adminUID)
	adminID := memberID(t, h, adminUID)
	admin := h.Person(adminUID, "Ann", "en")
	const invalid = "not valid"

	revoked := newInvite(t, h, &adminID, 72*time.Hour)
	begun := newInvite(t, h, &adminID, 72*time.Hour)
	expiring := newInvite(t, h, nil, time.Hour)

	// Someone begins registering with the second code before it is revoked.
	early := h.Person(1871, "Early", "en")
	picker := next(t, early, func() { early.SendText("/start " + begun) })
	early.ClickOn(picker.ID, "reg:lang:en")
	expect(t, early, "Type your name")
	early.SendText("Early Bird")
	expect(t, early, "Type your unit")
	early.SendText("Unit")
	confirm := expect(t, early, "Please check")

	// And someone else with the one about to expire.
	late := h.Person(1872, "Late", "en")
	picker = next(t, late, func() { late.SendText("/start " + expiring) })
	late.ClickOn(picker.ID, "reg:lang:en")
	expect(t, late, "Type your name")
	late.SendText("Late Comer")
	expect(t, late, "Type your unit")
	late.SendText("Unit")
	lateConfirm := expect(t, late, "Please check")

	list := next(t, admin, func() { admin.SendText("/invites") })
	if !strings.Contains(list.Plain(), "Open invitations: 3") || !strings.Contains(list.Plain(), "created by Ann") ||
		!strings.Contains(list.Plain(), "created by the command line") {
		t.Fatalf("/invites: %q", list.Plain())
	}
	open, err := store.OpenInvites(context.Background(), h.Store.DB, h.Clock.Now())
	if err != nil || len(open) != 3 {
		t.Fatalf("open invites: %v %v", open, err)
	}
	// Those expiring first come first: the hour-long one, then Ann's two in the order made.
	revokedID, begunID := open[1].ID, open[2].ID
	admin.ClickOn(list.ID, "ivr:"+itoa(revokedID))
	after := expect(t, admin, "Open invitations: 2")
	admin.ClickOn(after.ID, "ivr:"+itoa(begunID))
	expect(t, admin, "Open invitations: 1")
	if n := auditCount(t, h, "invite_revoked", nil); n != 2 {
		t.Errorf("invite_revoked audited %d times, want 2", n)
	}

	// A revoked code is invalid for a newcomer …
	newcomer := h.Person(1873, "New", "en")
	if m := next(t, newcomer, func() { newcomer.SendText("/start " + revoked) }); !strings.Contains(m.Plain(), invalid) {
		t.Errorf("revoked code: %q", m.Plain())
	}
	// … and for the one who began with it: the registration does not complete.
	early.ClickOn(confirm.ID, "reg:ok")
	if m := expect(t, early, invalid); strings.Contains(m.Plain(), "now a member") {
		t.Errorf("registration completed with a revoked code")
	}
	// Past its expiry, the one begun before does not complete either.
	h.Advance(61 * time.Minute)
	late.ClickOn(lateConfirm.ID, "reg:ok")
	expect(t, late, invalid)
	for _, uid := range []int64{1871, 1872} {
		if m, err := store.MemberByTelegramID(context.Background(), h.Store.DB, uid); err == nil && m.Active() {
			t.Errorf("user %d became a member: %+v", uid, m)
		}
	}
	if m := next(t, admin, func() { admin.SendText("/invites") }); !strings.Contains(m.Plain(), "no open invitations") {
		t.Errorf("/invites after revocation and expiry: %q", m.Plain())
	}
}
