-- +goose Up
-- A conversation's panel: the one message of the conversation that carries live buttons (its
-- current question), and its text, so that when the next question is sent the previous one can
-- be edited into its answer and lose its buttons (bot/panel.go).
ALTER TABLE conversations
    ADD COLUMN panel_message_id bigint,
    ADD COLUMN panel_text text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE conversations DROP COLUMN panel_text, DROP COLUMN panel_message_id;
