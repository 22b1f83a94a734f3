-- +goose Up
-- The revision of a returned alert in the Mini App is a draft too, saved as it is typed: one per
-- member and alert (revision_of), apart from the member's one draft of a new alert (revision_of
-- NULL), deleted when the alert is resubmitted or is returned no longer.
ALTER TABLE app_drafts ADD COLUMN revision_of bigint REFERENCES alerts (id) ON DELETE CASCADE;
ALTER TABLE app_drafts DROP CONSTRAINT app_drafts_pkey;
CREATE UNIQUE INDEX app_drafts_new ON app_drafts (member_id) WHERE revision_of IS NULL;
CREATE UNIQUE INDEX app_drafts_revision ON app_drafts (member_id, revision_of) WHERE revision_of IS NOT NULL;

-- A file uploaded on a revision's draft: alert_id stays NULL until the revision is resubmitted,
-- so that neither the alert (its page, the analysts) nor the member's new-alert draft shows it.
ALTER TABLE app_files ADD COLUMN revision_of bigint REFERENCES alerts (id) ON DELETE CASCADE;

-- +goose Down
DELETE FROM app_files WHERE revision_of IS NOT NULL AND alert_id IS NULL;
ALTER TABLE app_files DROP COLUMN revision_of;
DELETE FROM app_drafts WHERE revision_of IS NOT NULL;
DROP INDEX app_drafts_revision;
DROP INDEX app_drafts_new;
ALTER TABLE app_drafts DROP COLUMN revision_of;
ALTER TABLE app_drafts ADD PRIMARY KEY (member_id);
