-- +goose Up

-- Requests for information (RFI): a member asks one or more countries' focal points (or one
-- named member, or CARICC); replies are relayed through the bot as a thread. Times of the
-- domain (created, reply-by, reminders) come from the App's clock, not now(), so that tests
-- can move time.

-- References are numbered per year: RFI-2026-000045. A row per year holds the last number.
CREATE TABLE rfi_counters (
    year int PRIMARY KEY,
    last int NOT NULL
);

CREATE TABLE rfis (
    id               bigserial PRIMARY KEY,
    ref              text NOT NULL UNIQUE,           -- RFI-YYYY-NNNNNN
    requester_id     bigint NOT NULL REFERENCES members (id),
    target_countries text[] NOT NULL DEFAULT '{}',   -- ISO 3166-1 alpha-2 of the countries asked
    target_member_id bigint REFERENCES members (id), -- one named member, instead of countries
    to_caricc        boolean NOT NULL DEFAULT false, -- CARICC's analysts are targets, not only copied
    urgency          text NOT NULL CHECK (urgency IN ('routine', 'urgent')),
    alert_ref        text CHECK (alert_ref ~ '^ALR-[0-9]{4}-[0-9]{6}$'), -- text only: alerts are another aggregate
    reply_by         timestamptz NOT NULL,
    escalate_at      timestamptz NOT NULL,           -- after the reminder, when CARICC is told
    state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    closed_by        bigint REFERENCES members (id),
    reminded_at      timestamptz,
    escalated_at     timestamptz
);
-- The deadline job looks at open requests only.
CREATE INDEX rfis_open_deadline ON rfis (reply_by) WHERE state = 'open';
CREATE INDEX rfis_requester ON rfis (requester_id);

-- Who received a request: targets (asked to answer) and copies (CARICC analysts). A target
-- belongs to a pool (its country, or CARICC): one member of a pool at a time may say "I am
-- handling it".
CREATE TABLE rfi_recipients (
    rfi_id     bigint NOT NULL REFERENCES rfis (id),
    member_id  bigint NOT NULL REFERENCES members (id),
    role       text NOT NULL CHECK (role IN ('target', 'copy')),
    pool       text NOT NULL DEFAULT '',               -- country code, 'CARICC', '' for copies
    state      text NOT NULL DEFAULT 'received'
               CHECK (state IN ('received', 'handling', 'replied', 'declined')),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (rfi_id, member_id)
);
CREATE INDEX rfi_recipients_member ON rfi_recipients (member_id);
-- At most one holder per pool of a request.
CREATE UNIQUE INDEX rfi_recipients_one_holder ON rfi_recipients (rfi_id, pool) WHERE state = 'handling';

-- The thread: the request itself, replies, the requester's answers, declines and the events
-- others are told of (taken, released, closed). Free text is stored as written.
CREATE TABLE rfi_messages (
    id         bigserial PRIMARY KEY,
    rfi_id     bigint NOT NULL REFERENCES rfis (id),
    author_id  bigint REFERENCES members (id),         -- NULL for the system
    kind       text NOT NULL CHECK (kind IN ('request', 'reply', 'answer', 'decline', 'taken', 'released', 'closed')),
    body       text NOT NULL DEFAULT '',
    lang       text NOT NULL DEFAULT '',               -- the author's language: free text is labelled with it
    late       boolean NOT NULL DEFAULT false,         -- a reply after the request was closed
    created_at timestamptz NOT NULL
);
CREATE INDEX rfi_messages_rfi ON rfi_messages (rfi_id, id);

-- Photos and documents of a thread message, by Telegram file_id: relayed, never downloaded.
CREATE TABLE rfi_attachments (
    id         bigserial PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES rfi_messages (id),
    kind       text NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id    text NOT NULL,
    file_name  text NOT NULL DEFAULT ''
);
CREATE INDEX rfi_attachments_message ON rfi_attachments (message_id, id);

-- +goose Down
DROP TABLE rfi_attachments;
DROP TABLE rfi_messages;
DROP TABLE rfi_recipients;
DROP TABLE rfis;
DROP TABLE rfi_counters;
