-- +goose Up

-- Every update Telegram delivered, stored before it is handled (an inbox). The poll offset
-- resumes from max(update_id) + 1, a second delivery of the same update conflicts on the key
-- and is dropped, and rows with handled_at NULL are handled again after a restart.
CREATE TABLE inbound_updates (
    update_id   bigint PRIMARY KEY,
    chat_id     bigint,                          -- NULL for updates without a chat
    kind        text NOT NULL,                   -- message, callback_query, my_chat_member, …
    payload     jsonb NOT NULL,                  -- the update exactly as Telegram sent it
    received_at timestamptz NOT NULL DEFAULT now(),
    handled_at  timestamptz,
    outcome     text                             -- ok | failed | panic
);
CREATE INDEX inbound_updates_unhandled ON inbound_updates (update_id) WHERE handled_at IS NULL;

-- Every message the bot sent, with Telegram's message id so that it can be edited later.
CREATE TABLE outbound_messages (
    id                  bigserial PRIMARY KEY,
    chat_id             bigint NOT NULL,
    telegram_message_id bigint,
    kind                text NOT NULL,           -- reply, edit, alert, broadcast, …
    text                text NOT NULL,
    sent_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_messages_chat ON outbound_messages (chat_id, sent_at);

-- The members of the closed network. Private chats only, so chat_id equals telegram_user_id
-- for now; it is kept apart because Telegram does not promise it.
CREATE TABLE members (
    id               bigserial PRIMARY KEY,
    telegram_user_id bigint NOT NULL UNIQUE,
    chat_id          bigint NOT NULL,
    display_name     text NOT NULL DEFAULT '',
    country          char(2),                    -- ISO 3166-1 alpha-2; NULL for CARICC staff without one
    agency           text NOT NULL DEFAULT 'other'
                     CHECK (agency IN ('customs', 'port_control_unit', 'border_guard', 'drug_control_agency',
                                       'caricc', 'unodc', 'wco', 'other')),
    unit             text NOT NULL DEFAULT '',
    unit_locode      text,
    role             text NOT NULL CHECK (role IN ('admin', 'analyst', 'focal_point', 'observer')),
    language         text NOT NULL DEFAULT '',   -- '' until chosen: Telegram's language_code is used
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'active', 'suspended', 'unreachable')),
    approved_by      bigint REFERENCES members (id),
    approved_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Append-only record of who changed what. Nothing updates or deletes these rows.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    actor_id   bigint,                           -- members.id, NULL for the system or the CLI
    action     text NOT NULL,
    subject_id bigint,                           -- the member or object acted on
    before     jsonb,
    after      jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE members;
DROP TABLE outbound_messages;
DROP TABLE inbound_updates;
