package bot_test

import (
	"context"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// A member who blocked the bot becomes unreachable and the admins are told once, in their
// language; a message Telegram refuses as malformed fails at once and the admins are told.
func TestDeliveryNoticesToAdmins(t *testing.T) {
	t.Parallel()
	const admin, adminRU, blocked, other = 1201, 1204, 1202, 1203
	register := func(a *bot.App) {
		a.Renderer("note", func(ctx context.Context, row delivery.Row, m *store.Member) (delivery.Message, error) {
			return delivery.Message{Text: "a note"}, nil
		})
		a.Renderer("broken", func(ctx context.Context, row delivery.Row, m *store.Member) (delivery.Message, error) {
			return delivery.Message{Text: "<b>unclosed"}, nil
		})
	}
	h := bottest.Start(t, register, admin)
	ctx := context.Background()
	adminUser := h.TG.User(admin, "Ann", "en")
	ruUser := h.TG.User(adminRU, "Rita", "ru")
	boUser := h.TG.User(blocked, "Bo", "en")
	h.TG.User(other, "Cy", "en")
	var ids []int64
	for _, m := range []store.Member{
		{TelegramUserID: adminRU, DisplayName: "Rita", Agency: "caricc", Role: store.RoleAdmin, State: store.StateActive, Language: "ru"},
		{TelegramUserID: blocked, DisplayName: "Bo Blocked", Agency: "customs", Role: store.RoleFocalPoint, State: store.StateActive},
		{TelegramUserID: other, DisplayName: "Cy", Agency: "customs", Role: store.RoleFocalPoint, State: store.StateActive},
	} {
		id, err := store.InsertMember(ctx, h.Store.DB, m)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	h.TG.Block(blocked)
	if _, err := delivery.Enqueue(ctx, h.Store.DB, []delivery.Item{
		{MemberID: ids[1], ChatID: blocked, Kind: "note", RefID: 1},
		{MemberID: ids[1], ChatID: blocked, Kind: "note", RefID: 2},
		{MemberID: ids[2], ChatID: other, Kind: "broken", RefID: 3},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := adminUser.WaitForText("Bo Blocked", wait); err != nil {
		t.Fatal(err)
	}
	if _, err := adminUser.WaitForText("1 delivery of broken #3 failed", wait); err != nil {
		t.Fatal(err)
	}
	if _, err := ruUser.WaitForText("Не удалось доставить 1 сообщение по broken №3", wait); err != nil {
		t.Fatal(err)
	}
	if _, err := ruUser.WaitForText("Bo Blocked", wait); err != nil {
		t.Fatal(err)
	}
	m, err := store.MemberByID(ctx, h.Store.DB, ids[1])
	if err != nil || m.State != store.StateUnreachable {
		t.Fatalf("blocked member: %+v %v, want unreachable", m, err)
	}
	c, err := delivery.CountsFor(ctx, h.Store.DB, "note", 2)
	if err != nil || c.Cancelled != 1 {
		t.Fatalf("second note: %+v %v, want cancelled", c, err)
	}
	var notices int
	if err := h.Store.DB.Get(&notices, `SELECT count(*) FROM outbox WHERE kind IN ('member_unreachable', 'delivery_failed')`); err != nil || notices != 4 {
		t.Fatalf("%d notices queued, want one of each per admin", notices)
	}

	// Bo unblocks the bot and writes: they are reachable again, and it is on record.
	h.TG.Unblock(blocked)
	id := boUser.SendText("/help")
	deadline := time.Now().Add(wait)
	for {
		var handled bool
		_ = h.Store.DB.Get(&handled, `SELECT handled_at IS NOT NULL FROM inbound_updates WHERE update_id = $1`, id)
		if handled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Bo's update was never handled")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m, err := store.MemberByID(ctx, h.Store.DB, ids[1]); err != nil || m.State != store.StateActive {
		t.Fatalf("member after writing again: %+v %v, want active", m, err)
	}
	var audits int
	if err := h.Store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'member_reachable_again' AND subject_id = $1`, ids[1]); err != nil || audits != 1 {
		t.Fatalf("%d audit rows for the return, want 1", audits)
	}
}
