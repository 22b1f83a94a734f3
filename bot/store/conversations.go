package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Conversation is a multi-step exchange in progress with one person.
type Conversation struct {
	TelegramUserID int64           `db:"telegram_user_id"`
	Flow           string          `db:"flow"`
	Step           string          `db:"step"`
	Data           json.RawMessage `db:"data"`
	UpdatedAt      time.Time       `db:"updated_at"`
	// The conversation's panel: the message carrying its live buttons (0: none) and its text.
	PanelMessageID int64  `db:"panel_message_id"`
	PanelText      string `db:"panel_text"`
}

// ConversationOf returns the person's conversation in progress, ErrNotFound when there is none.
func ConversationOf(ctx context.Context, q Querier, userID int64) (*Conversation, error) {
	var c Conversation
	err := q.GetContext(ctx, &c, `
		SELECT telegram_user_id, flow, step, data, updated_at,
		       coalesce(panel_message_id, 0) AS panel_message_id, panel_text
		FROM conversations WHERE telegram_user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("conversation of %d: %w", userID, notFound(err))
	}
	return &c, nil
}

// SaveConversation starts or advances a conversation; data is marshalled to JSON.
func SaveConversation(ctx context.Context, q Querier, userID int64, flow, step string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("conversation data: %w", err)
	}
	if string(b) == "null" {
		b = []byte("{}")
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO conversations (telegram_user_id, flow, step, data)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (telegram_user_id) DO UPDATE
		SET flow = excluded.flow, step = excluded.step, data = excluded.data, updated_at = now()`,
		userID, flow, step, b)
	if err != nil {
		return fmt.Errorf("save conversation of %d: %w", userID, err)
	}
	return nil
}

// EndConversation forgets the person's conversation, if any.
func EndConversation(ctx context.Context, q Querier, userID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM conversations WHERE telegram_user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("end conversation of %d: %w", userID, err)
	}
	return nil
}

// SetConversationPanel records the message that now carries the conversation's live buttons
// (0: none) and its text; the panel survives SaveConversation, and goes with the conversation.
func SetConversationPanel(ctx context.Context, q Querier, userID int64, msgID int64, text string) error {
	_, err := q.ExecContext(ctx, `
		UPDATE conversations SET panel_message_id = nullif($2, 0), panel_text = $3
		WHERE telegram_user_id = $1`, userID, msgID, text)
	if err != nil {
		return fmt.Errorf("set panel of conversation of %d: %w", userID, err)
	}
	return nil
}
