-- +goose Up
-- The alert a member is writing in the Mini App's form (CONFIDENTIAL_CONTENT), saved as they
-- type: one draft per member, the form's fields as typed, deleted when submitted.
CREATE TABLE app_drafts (
    member_id  bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    fields     jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE app_drafts;
