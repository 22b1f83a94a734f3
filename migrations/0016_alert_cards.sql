-- +goose Up
-- The messages that show an alert's acknowledgements to its author and to analysts ("cards":
-- "acknowledged by N of M, not yet: …"), edited in place as recipients acknowledge, through the
-- outbox (kind alert_card, one row per card and refresh; handlers/alert). shape says what the
-- card is: 'author' (the author's notice of publication; its message is the one the outbox
-- recorded for that notice, so message_id stays NULL), 'published' (the analyst's panel after
-- Publish), 'status' (an answer to "Who acknowledged?"). Telegram lets a bot edit a message for
-- 48 hours: older cards are no longer refreshed.
CREATE TABLE alert_cards (
    id         bigserial PRIMARY KEY,
    alert_id   bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    chat_id    bigint NOT NULL,
    message_id integer,
    shape      text NOT NULL CHECK (shape IN ('author', 'published', 'status')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX alert_cards_message ON alert_cards (chat_id, message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX alert_cards_author ON alert_cards (alert_id, member_id) WHERE shape = 'author';
CREATE INDEX alert_cards_alert ON alert_cards (alert_id, created_at);

-- +goose Down
DROP TABLE alert_cards;
