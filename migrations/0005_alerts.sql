-- +goose Up

-- Reference numbers read over the phone: ALR-<year>-<number>, numbered from 1 each year.
-- A counter row per year, bumped with UPDATE … RETURNING, so that numbers have no gaps from
-- rolled-back transactions and two submissions never share one.
CREATE TABLE alert_ref_counters (
    year int PRIMARY KEY,
    last int NOT NULL
);

-- An alert from submission on (drafts live in conversations until submitted). The structured
-- fields an author typed are kept together in content (alert.Content as JSON): they are read
-- and written as a whole; what is searched (identifiers) and who received it have tables of
-- their own.
CREATE TABLE alerts (
    id             bigserial PRIMARY KEY,
    ref            text NOT NULL UNIQUE,           -- ALR-2026-000123
    author_id      bigint NOT NULL REFERENCES members (id),
    author_country char(2),                        -- the author's country when submitted
    classification text NOT NULL
                   CHECK (classification IN ('urgent', 'followup', 'attention', 'seizure')),
    drill          boolean NOT NULL DEFAULT false, -- an exercise: kept out of the register, export and statistics
    content        jsonb NOT NULL,
    -- Lifecycle (CAP / RASFF): submitted → published | returned | rejected | withdrawn;
    -- returned → submitted again (revision + 1); published → cancelled.
    state          text NOT NULL DEFAULT 'submitted'
                   CHECK (state IN ('submitted', 'returned', 'rejected', 'withdrawn', 'published', 'cancelled')),
    revision       int NOT NULL DEFAULT 1,         -- bumped by each resubmission after a return
    submitted_at   timestamptz NOT NULL,           -- times from the App's clock, not now()
    decided_by     bigint REFERENCES members (id), -- the analyst whose decision stood
    decided_at     timestamptz,
    reason         text,                           -- of a return, rejection or cancellation
    published_at   timestamptz,
    audience       text,                           -- how the audience was chosen: 'all' or country codes 'KZ,UZ'
    reminded_at    timestamptz,                    -- urgent alerts: the reminder to the silent went out
    escalated_at   timestamptz,                    -- … and the notice to the analysts
    cancelled_at   timestamptz
);
CREATE INDEX alerts_state ON alerts (state, submitted_at);
-- The acknowledgement job looks only at published urgent alerts not yet escalated.
CREATE INDEX alerts_ack_watch ON alerts (published_at)
    WHERE state = 'published' AND classification = 'urgent' AND escalated_at IS NULL;

-- Identifiers of an alert, normalized (upper case, letters and digits only) for /find and for
-- linking alerts that share a container, IMO number, seal or B/L.
CREATE TABLE alert_identifiers (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('container', 'seal', 'imo', 'bl', 'plate', 'wagon')),
    norm     text NOT NULL,
    PRIMARY KEY (alert_id, kind, norm)
);
CREATE INDEX alert_identifiers_norm ON alert_identifiers (norm);

-- The audience of a published alert: one row per recipient, with their acknowledgement.
-- The author is not a recipient (they wrote it); CARICC's analysts are.
CREATE TABLE alert_recipients (
    alert_id  bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES members (id),
    acked_at  timestamptz,                          -- the Acknowledge press; NULL while silent
    PRIMARY KEY (alert_id, member_id)
);
CREATE INDEX alert_recipients_member ON alert_recipients (member_id);

-- Follow-ups: results and updates attached to an alert. A recipient's follow-up goes to the
-- author and the analysts; an analyst may publish it to the whole audience. An analyst's
-- update or cancellation notice is a follow-up of its own kind, published at once.
CREATE TABLE alert_followups (
    id           bigserial PRIMARY KEY,
    alert_id     bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    author_id    bigint NOT NULL REFERENCES members (id),
    kind         text NOT NULL DEFAULT 'followup' CHECK (kind IN ('followup', 'update', 'cancel')),
    text         text NOT NULL DEFAULT '',         -- as written (a caption for a file)
    lang         text NOT NULL DEFAULT '',         -- the language it was written in
    file_kind    text CHECK (file_kind IN ('photo', 'document')),
    file_id      text,                             -- Telegram file_id: forwarded, never downloaded
    created_at   timestamptz NOT NULL,
    published_by bigint REFERENCES members (id),
    published_at timestamptz
);
CREATE INDEX alert_followups_alert ON alert_followups (alert_id, id);

-- +goose Down
DROP TABLE alert_followups;
DROP TABLE alert_recipients;
DROP TABLE alert_identifiers;
DROP TABLE alerts;
DROP TABLE alert_ref_counters;
