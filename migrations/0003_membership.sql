-- +goose Up

-- Invitations. The code itself is never stored: only its SHA-256, so a copy of the database
-- does not hand out working links. An invite is single use: used_at is set when a person
-- claims it with /start, and member_id when their registration completes (until then the
-- same person may open the link again and start over).
CREATE TABLE invites (
    id               bigserial PRIMARY KEY,
    code_hash        bytea NOT NULL UNIQUE,          -- sha256 of the code
    country          char(2),                        -- ISO 3166-1 alpha-2; NULL for CARICC and partners
    role             text NOT NULL CHECK (role IN ('admin', 'analyst', 'focal_point', 'observer')),
    agency           text NOT NULL DEFAULT 'other'
                     CHECK (agency IN ('customs', 'port_control_unit', 'border_guard', 'drug_control_agency',
                                       'caricc', 'unodc', 'wco', 'other')),
    created_by       bigint REFERENCES members (id), -- NULL: created with the CLI
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    used_by_telegram bigint,                         -- who claimed it
    member_id        bigint REFERENCES members (id)  -- the member it produced
);

-- Every wrong, expired or reused code someone sent: five within an hour lock them out for the
-- rest of that hour. In the database, so a restart does not reset the count.
CREATE TABLE invite_failures (
    telegram_user_id bigint NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX invite_failures_user ON invite_failures (telegram_user_id, at);

-- The language an outsider chose with /language (members keep theirs in members.language).
CREATE TABLE outsider_languages (
    telegram_user_id bigint PRIMARY KEY,
    language         text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- /members filters by state, role and country.
CREATE INDEX members_filter ON members (state, role, country);

-- +goose Down
DROP INDEX members_filter;
DROP TABLE outsider_languages;
DROP TABLE invite_failures;
DROP TABLE invites;
