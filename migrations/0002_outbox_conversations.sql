-- +goose Up

-- Everything sent to other people goes through this queue (DESIGN.md: handlers never send to
-- others directly). A handler inserts rows in the same transaction as the state change they
-- announce; the dispatcher claims, renders in the recipient's language at send time, sends
-- and records the outcome.
CREATE TABLE outbox (
    id                  bigserial PRIMARY KEY,
    member_id           bigint NOT NULL REFERENCES members (id),
    chat_id             bigint NOT NULL,
    kind                text NOT NULL,           -- what to render: alert, alert_update, broadcast, …
    ref_id              bigint NOT NULL,         -- the id of the thing in its own table
    variant             text NOT NULL DEFAULT '',-- tells apart two messages of one kind and ref (a reminder, …)
    priority            smallint NOT NULL DEFAULT 2 CHECK (priority IN (0, 1, 2)), -- 0 urgent, 1 high, 2 routine
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts            int NOT NULL DEFAULT 0,
    not_before          timestamptz NOT NULL DEFAULT now(),
    lease_until         timestamptz,
    telegram_message_id bigint,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    -- The same thing is never queued twice for one recipient.
    UNIQUE (member_id, kind, ref_id, variant)
);
-- The dispatcher's claim: pending rows due now, most urgent and oldest first.
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
-- Delivery counts per item for analysts.
CREATE INDEX outbox_ref ON outbox (kind, ref_id);

-- A conversation in progress (registration, a draft alert, …): which flow, which step and the
-- answers so far. Kept in the database so that a restart loses no draft.
CREATE TABLE conversations (
    telegram_user_id bigint PRIMARY KEY,
    flow             text NOT NULL,
    step             text NOT NULL,
    data             jsonb NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE conversations;
DROP TABLE outbox;
