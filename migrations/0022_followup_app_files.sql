-- +goose Up
-- Files sent with a follow-up of an alert in the Mini App (CONFIDENTIAL_CONTENT): kept by the
-- server in app_files like a request's, never sent to Telegram, linked to the follow-up they came
-- with (in the transaction that created it). A file belongs to an alert, to a thread's message,
-- to a follow-up, or (none of them) to its member's draft — never to two; a follow-up's file is
-- on no revision's draft.
ALTER TABLE app_files
    ADD COLUMN followup_id bigint REFERENCES alert_followups (id) ON DELETE CASCADE,
    DROP CONSTRAINT app_files_one_owner,
    ADD CONSTRAINT app_files_one_owner CHECK (num_nonnulls(alert_id, rfi_message_id, followup_id) <= 1
        AND (followup_id IS NULL OR revision_of IS NULL));
CREATE INDEX app_files_followup ON app_files (followup_id) WHERE followup_id IS NOT NULL;
-- The draft's files are those of none.
DROP INDEX app_files_draft;
CREATE INDEX app_files_draft ON app_files (member_id) WHERE alert_id IS NULL AND rfi_message_id IS NULL AND followup_id IS NULL;

-- +goose Down
DROP INDEX app_files_draft;
DELETE FROM app_files WHERE followup_id IS NOT NULL;
ALTER TABLE app_files
    DROP CONSTRAINT app_files_one_owner,
    DROP COLUMN followup_id,
    ADD CONSTRAINT app_files_one_owner CHECK (alert_id IS NULL OR rfi_message_id IS NULL);
CREATE INDEX app_files_draft ON app_files (member_id) WHERE alert_id IS NULL AND rfi_message_id IS NULL;
