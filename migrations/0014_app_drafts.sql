-- +goose Up
-- The alert a member is writing in the Mini App's form (CONFIDENTIAL_CONTENT), saved as they
-- type: one draft per member, the form's fields as typed, deleted when submitted.
CREATE TABLE app_drafts (
    member_id  bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    fields     jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Files uploaded with an alert in the Mini App: kept by the server in the database (bytea), never
-- sent to Telegram. On the member's draft while alert_id is NULL; the alert's once submitted.
CREATE TABLE app_files (
    id           bigserial PRIMARY KEY,
    member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    alert_id     bigint REFERENCES alerts (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX app_files_alert ON app_files (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX app_files_draft ON app_files (member_id) WHERE alert_id IS NULL;

-- +goose Down
DROP TABLE app_files;
DROP TABLE app_drafts;
