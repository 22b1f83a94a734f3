-- +goose Up

-- The analysts' web console signs in without passwords: /console in the bot sends a link that
-- is good once and for ten minutes. Only the SHA-256 of its random token is kept, so a copy of
-- the database holds no working link.
CREATE TABLE console_links (
    id         bigserial PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,                -- sha256 of the token in the link
    member_id  bigint NOT NULL REFERENCES members (id),
    created_at timestamptz NOT NULL,                 -- the App's clock
    expires_at timestamptz NOT NULL,
    used_at    timestamptz                           -- set when the link opened a session
);

-- A signed-in browser. The cookie holds a random token of which only the SHA-256 is kept; the
-- CSRF token of the session's forms is kept as is (alone it opens nothing). A session ends
-- after twelve hours without a request, at sign-out, or when its member is no longer an active
-- analyst or admin (checked at every request).
CREATE TABLE console_sessions (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    csrf         text NOT NULL,
    member_id    bigint NOT NULL REFERENCES members (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX console_sessions_member ON console_sessions (member_id) WHERE ended_at IS NULL;

-- +goose Down
DROP TABLE console_sessions;
DROP TABLE console_links;
