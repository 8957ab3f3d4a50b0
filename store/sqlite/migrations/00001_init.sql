-- Times are INTEGER nanoseconds since the Unix epoch, in UTC.

-- +goose Up
CREATE TABLE users (
    username      TEXT    NOT NULL PRIMARY KEY CHECK (username <> ''),
    full_name     TEXT    NOT NULL DEFAULT '',
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- position numbers a user's scopes from 1 in the order they were granted.
CREATE TABLE user_scopes (
    username TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    scope    TEXT    NOT NULL CHECK (scope <> ''),
    position INTEGER NOT NULL,
    PRIMARY KEY (username, scope),
    UNIQUE (username, position)
);

CREATE TABLE items (
    owner   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    item_id TEXT NOT NULL CHECK (item_id <> ''),
    PRIMARY KEY (owner, item_id)
);

-- scopes holds the operator-declared scopes. The server's own scopes are
-- declared in code and are not stored.
CREATE TABLE scopes (
    name        TEXT    NOT NULL PRIMARY KEY CHECK (name <> ''),
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid        TEXT    NOT NULL PRIMARY KEY CHECK (kid <> ''),
    algorithm  TEXT    NOT NULL CHECK (algorithm <> ''),
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX signing_keys_created_at ON signing_keys (created_at);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE scopes;
DROP TABLE items;
DROP TABLE user_scopes;
DROP TABLE users;
