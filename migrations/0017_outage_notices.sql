-- +goose Up

-- The notice that the database is away, across a change of the lease (#19). While the database
-- is out of reach each instance remembers, in memory, the updates whose senders it told and
-- those it saw but left untold (it was standing by: the instance that held the lease tells);
-- as soon as the database answers again it writes them here, before it seeks the lease. The
-- instance that then handles an update owed a notice (told_at NULL) tells its sender that the
-- database is back, first, unless another instance has recorded telling them meanwhile.
CREATE TABLE outage_notices (
    update_id bigint PRIMARY KEY,
    chat_id   bigint NOT NULL,
    lang      text NOT NULL,
    owed_at   timestamptz NOT NULL DEFAULT now(),
    told_at   timestamptz
);

-- outbox_chat_open (chat_id, id) on the open rows is served as well by outbox_chat_order
-- (chat_id, priority, id) on the same rows (every query that used it filters the chat and the
-- priority): one index less to maintain on every enqueue and claim.
DROP INDEX outbox_chat_open;

-- +goose Down
CREATE INDEX outbox_chat_open ON outbox (chat_id, id) WHERE state IN ('pending', 'sending');
DROP TABLE outage_notices;
