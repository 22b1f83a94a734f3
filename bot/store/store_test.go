package store_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func TestSaveUpdatesDropsDuplicates(t *testing.T) {
	t.Parallel()
	st, _ := storetest.New(t)
	ctx := context.Background()
	chat := int64(42)
	u := func(id int64) store.InboundUpdate {
		return store.InboundUpdate{UpdateID: id, ChatID: &chat, Kind: "message", Payload: json.RawMessage(`{"update_id":1}`)}
	}
	fresh, err := st.SaveUpdates(ctx, []store.InboundUpdate{u(1), u(2)})
	if err != nil || len(fresh) != 2 {
		t.Fatalf("first save: %v %v", fresh, err)
	}
	fresh, err = st.SaveUpdates(ctx, []store.InboundUpdate{u(2), u(3)})
	if err != nil || len(fresh) != 1 || fresh[0] != 3 {
		t.Fatalf("second save: want only 3 fresh, got %v %v", fresh, err)
	}
	last, err := st.LastUpdateID(ctx)
	if err != nil || last != 3 {
		t.Fatalf("last update id = %d %v, want 3", last, err)
	}
	if err := st.MarkHandled(ctx, 1, "ok"); err != nil {
		t.Fatal(err)
	}
	pending, err := st.UnhandledUpdates(ctx, 200, 10000)
	if err != nil || len(pending) != 2 || pending[0].UpdateID != 2 {
		t.Fatalf("unhandled = %+v %v, want 2 and 3", pending, err)
	}
}

func TestEnsureAdminsIsIdempotent(t *testing.T) {
	t.Parallel()
	st, _ := storetest.New(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := st.EnsureAdmins(ctx, []int64{1001, 1002}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := store.MemberByTelegramID(ctx, st.DB, 1001)
	if err != nil || m.Role != store.RoleAdmin || !m.Active() {
		t.Fatalf("member 1001 = %+v %v", m, err)
	}
	var audits int
	if err := st.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'admin_from_config'`); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Fatalf("audit rows = %d, want 2 (one per admin, none for the second run)", audits)
	}
	if _, err := store.MemberByTelegramID(ctx, st.DB, 999); err == nil {
		t.Fatal("unknown member found")
	}
}

// The reload of unhandled updates is bounded: at most perChat of one chat (the rest of that
// chat's are recorded as dropped, not read again) and total in all.
func TestUnhandledUpdatesBounded(t *testing.T) {
	t.Parallel()
	st, _ := storetest.New(t)
	ctx := context.Background()
	a, b := int64(1), int64(2)
	var batch []store.InboundUpdate
	for id := int64(1); id <= 7; id++ {
		chat := &a
		if id > 5 {
			chat = &b
		}
		batch = append(batch, store.InboundUpdate{UpdateID: id, ChatID: chat, Kind: "message", Payload: json.RawMessage(`{}`)})
	}
	if _, err := st.SaveUpdates(ctx, batch); err != nil {
		t.Fatal(err)
	}
	rows, err := st.UnhandledUpdates(ctx, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range rows {
		got = append(got, r.UpdateID)
	}
	if len(got) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 6 {
		t.Errorf("reloaded %v, want [1 2 3 6]", got)
	}
	var dropped []int64
	if err := st.DB.Select(&dropped, `SELECT update_id FROM inbound_updates WHERE outcome = 'dropped' ORDER BY update_id`); err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 2 || dropped[0] != 4 || dropped[1] != 5 {
		t.Errorf("dropped %v, want [4 5]", dropped)
	}
}
