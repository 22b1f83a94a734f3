-- +goose Up
-- A broadcast its author marked confidential (only offered with CONFIDENTIAL_CONTENT): its
-- recipients get the header and an Open button, and read the text in the Mini App.
ALTER TABLE broadcasts ADD COLUMN confidential boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE broadcasts DROP COLUMN confidential;
