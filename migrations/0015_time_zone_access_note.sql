-- +goose Up
-- A member's own choice of the time zone times are shown to them in (an IANA name the bot
-- offers in /language; NULL: their country's zone), and what a visitor wrote about themselves
-- (who they are and which unit) when they asked for access, for the admins who decide.
ALTER TABLE members ADD COLUMN time_zone text;
ALTER TABLE members ADD COLUMN access_note text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE members DROP COLUMN access_note;
ALTER TABLE members DROP COLUMN time_zone;
