-- +goose Up

-- The poll resumes after the update received last, not after the highest update_id: Telegram
-- restarts update ids at random after a week without updates, so the newest may be the lowest.
CREATE INDEX inbound_updates_received ON inbound_updates (received_at DESC, update_id DESC);

-- +goose Down
DROP INDEX inbound_updates_received;
