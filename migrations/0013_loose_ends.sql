-- +goose Up

-- Groups the bot has told that it works in private chats only. The bot leaves a group when it
-- is added; traffic from a group it is still in (the my_chat_member update missed, or a
-- leaveChat that failed) is answered with the same notice, once: this row says it was given,
-- so a leave that fails again does not make it repeat itself, across restarts too.
CREATE TABLE groups_told (
    chat_id  bigint PRIMARY KEY,
    told_at  timestamptz NOT NULL   -- the App's clock
);

-- A broadcast draft lives in the broadcasts table while its author composes it in a
-- conversation. When no conversation holds it any more (/cancel, another command, suspension),
-- a job stamps it abandoned at the App's clock and deletes it a day later.
ALTER TABLE broadcasts ADD COLUMN abandoned_at timestamptz;

-- +goose Down
ALTER TABLE broadcasts DROP COLUMN abandoned_at;
DROP TABLE groups_told;
