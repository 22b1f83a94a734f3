-- +goose Up

-- The per-chat order check of the claim ("is an earlier row to this chat, as urgent or more,
-- still open?") walks only the chat's rows of that priority or more urgent.
CREATE INDEX outbox_chat_order ON outbox (chat_id, priority, id) WHERE state IN ('pending', 'sending');

-- A row queued behind an open row to the same chat (as urgent or more) is parked: the claim
-- does not look at it, so one chat's backlog of thousands costs a claim nothing. When a row of
-- the chat reaches its end (sent, failed, cancelled), the chat's earliest parked row of each
-- priority is unparked; the claim still checks its order as before. A sweep unparks a chat's
-- earliest parked rows when nothing open is ahead of them (a race of an enqueue with an outcome).
ALTER TABLE outbox ADD COLUMN parked boolean NOT NULL DEFAULT false;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending' AND NOT parked;
CREATE INDEX outbox_parked ON outbox (chat_id, priority, id) WHERE state = 'pending' AND parked;

-- +goose Down
DROP INDEX outbox_parked;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
ALTER TABLE outbox DROP COLUMN parked;
DROP INDEX outbox_chat_order;
