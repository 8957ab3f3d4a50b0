-- The PostgreSQL form of the SQLite schema in store/sqlite/migrations: the
-- same tables, keys and checks, with native types for times (timestamptz,
-- microsecond precision), flags (boolean) and key material (bytea).

-- +goose Up
CREATE TABLE users (
    username      text        NOT NULL PRIMARY KEY CHECK (username <> ''),
    full_name     text        NOT NULL DEFAULT '',
    email         text        NOT NULL DEFAULT '',
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- position orders a user's scopes in the order they were granted. It may
-- have gaps, because a grant numbers its new scopes after the highest
-- position and skips the scopes the user holds already.
CREATE TABLE user_scopes (
    username text    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    scope    text    NOT NULL CHECK (scope <> ''),
    position integer NOT NULL,
    PRIMARY KEY (username, scope),
    UNIQUE (username, position)
);

CREATE TABLE items (
    owner   text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    item_id text NOT NULL CHECK (item_id <> ''),
    PRIMARY KEY (owner, item_id)
);

-- scopes holds the operator-declared scopes. The server's own scopes are
-- declared in code and are not stored.
CREATE TABLE scopes (
    name        text        NOT NULL PRIMARY KEY CHECK (name <> ''),
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

-- seq orders keys created at the same moment by insertion, as SQLite's
-- rowid does.
CREATE TABLE signing_keys (
    kid        text        NOT NULL PRIMARY KEY CHECK (kid <> ''),
    algorithm  text        NOT NULL CHECK (algorithm <> ''),
    secret     bytea       NOT NULL CHECK (octet_length(secret) > 0),
    created_at timestamptz NOT NULL,
    seq        bigint      GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE INDEX signing_keys_created_at ON signing_keys (created_at);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE scopes;
DROP TABLE items;
DROP TABLE user_scopes;
DROP TABLE users;
