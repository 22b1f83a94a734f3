-- +goose Up
-- Files sent with a request for information, a reply or an answer in the Mini App
-- (CONFIDENTIAL_CONTENT): kept by the server in app_files like an alert's, never sent to
-- Telegram, linked to the thread's message they came with (in the transaction that created
-- it). A file belongs to an alert, to a thread's message, or (neither) to its member's alert
-- draft: never to both.
ALTER TABLE app_files
    ADD COLUMN rfi_message_id bigint REFERENCES rfi_messages (id) ON DELETE CASCADE,
    ADD CONSTRAINT app_files_one_owner CHECK (alert_id IS NULL OR rfi_message_id IS NULL);
CREATE INDEX app_files_rfi_message ON app_files (rfi_message_id) WHERE rfi_message_id IS NOT NULL;
-- The draft's files are those of neither.
DROP INDEX app_files_draft;
CREATE INDEX app_files_draft ON app_files (member_id) WHERE alert_id IS NULL AND rfi_message_id IS NULL;

-- +goose Down
DROP INDEX app_files_draft;
DELETE FROM app_files WHERE rfi_message_id IS NOT NULL;
ALTER TABLE app_files DROP CONSTRAINT app_files_one_owner, DROP COLUMN rfi_message_id;
CREATE INDEX app_files_draft ON app_files (member_id) WHERE alert_id IS NULL;
