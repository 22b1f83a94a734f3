package store

import (
	"context"
	"fmt"
	"strings"
)

// SecretMarker stands in the records (outbound_messages.text, inbound_updates.payload) for a
// secret the bot sent or received: an invitation code or a console sign-in link is never
// stored in clear.
const SecretMarker = "[secret withheld]"

// IsSecretMarker says whether s is what the records keep instead of a secret: SecretMarker, or
// "[invitation code]", the marker of earlier versions, which an inbox reloaded after an
// upgrade may still hold.
func IsSecretMarker(s string) bool { return s == SecretMarker || s == "[invitation code]" }

type secretsKey struct{}

// WithSecrets returns a context under which RecordSent replaces each of the secrets in what it
// records with SecretMarker: a handler that shows an invitation code or a sign-in link calls it
// before sending. It is the one way a secret is kept out of the records.
func WithSecrets(ctx context.Context, secrets ...string) context.Context {
	old, _ := ctx.Value(secretsKey{}).([]string)
	return context.WithValue(ctx, secretsKey{}, append(append([]string(nil), old...), secrets...))
}

// Redact replaces the secrets of ctx (see WithSecrets) in text with SecretMarker.
func Redact(ctx context.Context, text string) string {
	secrets, _ := ctx.Value(secretsKey{}).([]string)
	for _, sec := range secrets {
		if sec != "" {
			text = strings.ReplaceAll(text, sec, SecretMarker)
		}
	}
	return text
}

// OutboundMessage is a message the bot sent.
type OutboundMessage struct {
	ID                int64  `db:"id"`
	ChatID            int64  `db:"chat_id"`
	TelegramMessageID int64  `db:"telegram_message_id"`
	Kind              string `db:"kind"`
	Text              string `db:"text"`
}

// RecordSent stores a message Telegram accepted.
func RecordSent(ctx context.Context, q Querier, m OutboundMessage) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO outbound_messages (chat_id, telegram_message_id, kind, text)
		VALUES ($1, $2, $3, $4)`, m.ChatID, m.TelegramMessageID, m.Kind, Redact(ctx, m.Text))
	if err != nil {
		return fmt.Errorf("record sent message: %w", err)
	}
	return nil
}

// SentMessages lists what was sent to a chat, oldest first.
func SentMessages(ctx context.Context, q Querier, chatID int64) ([]OutboundMessage, error) {
	var rows []OutboundMessage
	err := q.SelectContext(ctx, &rows, `
		SELECT id, chat_id, coalesce(telegram_message_id, 0) AS telegram_message_id, kind, text
		FROM outbound_messages WHERE chat_id = $1 ORDER BY id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("sent messages: %w", err)
	}
	return rows, nil
}
