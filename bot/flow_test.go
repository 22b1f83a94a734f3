package bot_test

import (
	"context"
	"fmt"
	"testing"

	"focalbot/bot"
	"focalbot/bot/bottest"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// A conversation keeps its step across messages (and restarts), and what it produces for
// other members reaches them through the outbox, rendered at send time.
func TestConversationAndOutbox(t *testing.T) {
	t.Parallel()
	const sender, reader = 1101, 1102
	register := func(a *bot.App) {
		a.Command("begin", bot.Members, func(ctx context.Context, r *bot.Request) error {
			if err := r.SaveConv(ctx, "relay", "ask", map[string]string{"started": "yes"}); err != nil {
				return err
			}
			_, err := r.App.Send(ctx, r.ChatID, "reply", "what to relay?", nil)
			return err
		})
		a.Flow("relay", bot.Members, func(ctx context.Context, r *bot.Request) error {
			var data map[string]string
			if err := r.ConvData(&data); err != nil || data["started"] != "yes" {
				return fmt.Errorf("conversation data lost: %v %v", data, err)
			}
			to, err := store.MemberByTelegramID(ctx, r.App.Store.DB, reader)
			if err != nil {
				return err
			}
			if _, err := delivery.Enqueue(ctx, r.App.Store.DB, []delivery.Item{
				{MemberID: to.ID, ChatID: to.ChatID, Kind: "note", RefID: int64(len(r.Text()))},
			}); err != nil {
				return err
			}
			return r.EndConv(ctx)
		})
		a.Renderer("note", func(ctx context.Context, row delivery.Row, m *store.Member) (delivery.Message, error) {
			return delivery.Message{Text: fmt.Sprintf("note of %d letters for %s", row.RefID, m.DisplayName)}, nil
		})
	}
	h := bottest.Start(t, register)
	for _, id := range []int64{sender, reader} {
		if _, err := store.InsertMember(context.Background(), h.Store.DB, store.Member{
			TelegramUserID: id, DisplayName: fmt.Sprint("m", id), Role: store.RoleFocalPoint, Agency: "customs", State: store.StateActive,
		}); err != nil {
			t.Fatal(err)
		}
	}
	s, r := h.TG.User(sender, "S", "en"), h.TG.User(reader, "R", "en")
	s.SendText("/begin")
	if _, err := s.WaitForText("what to relay?", wait); err != nil {
		t.Fatal(err)
	}
	h.Restart() // the conversation lives in the database
	s.SendText("hello")
	if _, err := r.WaitForText("note of 5 letters for m1102", wait); err != nil {
		t.Fatal(err)
	}
	s.SendText("hello again") // the conversation ended: this is free text now
	h.WaitIdle()
	if n := len(r.Messages()); n != 1 {
		t.Errorf("reader got %d messages, want 1", n)
	}
}
