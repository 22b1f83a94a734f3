-- +goose Up

-- Which dispatcher term claimed a row in state 'sending'. A term is one tenure of the sending
-- lease (delivery_leader); a result written by an older term after its row was taken back is
-- ignored, and a new term takes back every row of older terms when it starts.
ALTER TABLE outbox ADD COLUMN lease_owner bigint;

-- The claim skips a row while an earlier row to the same chat, as urgent or more, is still
-- open: messages to one person keep their order across claims and retries.
CREATE INDEX outbox_chat_open ON outbox (chat_id, id) WHERE state IN ('pending', 'sending');
-- Rows being sent, for taking back expired leases.
CREATE INDEX outbox_sending ON outbox (lease_until) WHERE state = 'sending';

-- The sending lease. The instance holding the PostgreSQL advisory lock sends; it writes a
-- heartbeat here every half second on the connection that holds the lock and stops sending on
-- its own two seconds after its last successful heartbeat. A new holder waits until that
-- moment has passed, so two instances never send at once. A clean stop clears heartbeat_at.
CREATE TABLE delivery_leader (
    id           int PRIMARY KEY CHECK (id = 1),
    holder       text,                       -- host and pid of the holder, for people
    term         bigint,
    heartbeat_at timestamptz
);
INSERT INTO delivery_leader (id) VALUES (1);

-- +goose Down
DROP TABLE delivery_leader;
DROP INDEX outbox_sending;
DROP INDEX outbox_chat_open;
ALTER TABLE outbox DROP COLUMN lease_owner;
