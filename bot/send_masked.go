package bot

import (
	"context"
	"fmt"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/store"
)

// SendMasked sends text as Send does but records recorded in its place: for a message that
// carries a secret (a sign-in link), so that outbound_messages keeps a marker instead of it.
func (a *App) SendMasked(ctx context.Context, chatID int64, kind, text, recorded string, kb *Keyboard) (*models.Message, error) {
	params := &tg.SendMessageParams{
		ChatID:             chatID,
		Text:               text,
		ParseMode:          models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()},
	}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	msg, err := a.sendLimited(ctx, chatID, params)
	if err != nil {
		a.metrics.messagesSent.WithLabelValues("error").Inc()
		return nil, fmt.Errorf("send to chat %d: %w", chatID, err)
	}
	a.metrics.messagesSent.WithLabelValues("ok").Inc()
	if err := a.Store.RecordSent(ctx, store.OutboundMessage{
		ChatID: chatID, TelegramMessageID: int64(msg.ID), Kind: kind, Text: recorded,
	}); err != nil {
		a.Log.Error("sent message not recorded", "chat_id", chatID, "err", err)
	}
	return msg, nil
}
