-- +goose Up

-- Invitations can be revoked by an admin (/invites, focalbot invites revoke); a revoked
-- invitation is refused when claimed and when a registration begun with it completes.
ALTER TABLE invites ADD COLUMN revoked_at timestamptz;
ALTER TABLE invites ADD COLUMN revoked_by bigint REFERENCES members (id);
CREATE INDEX invites_open ON invites (expires_at) WHERE member_id IS NULL AND revoked_at IS NULL;

-- `focalbot members forget`: when a former member's personal data was erased. Their alerts
-- and requests stay, attributed to "a former member" of their country.
ALTER TABLE members ADD COLUMN forgotten_at timestamptz;

-- Retention (bot/retention.go) looks rows up by age.
CREATE INDEX outbound_messages_sent ON outbound_messages (sent_at);
CREATE INDEX invite_failures_at ON invite_failures (at);
CREATE INDEX outsider_languages_updated ON outsider_languages (updated_at);

-- +goose Down
DROP INDEX outsider_languages_updated;
DROP INDEX invite_failures_at;
DROP INDEX outbound_messages_sent;
ALTER TABLE members DROP COLUMN forgotten_at;
DROP INDEX invites_open;
ALTER TABLE invites DROP COLUMN revoked_by;
ALTER TABLE invites DROP COLUMN revoked_at;
