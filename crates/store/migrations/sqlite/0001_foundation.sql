-- Foundation: administrative units, councils, bodies, people, accounts,
-- sessions, sign-in failures and the audit chain (SQLite).

CREATE TABLE admin_units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_code TEXT REFERENCES admin_units(code)
);
CREATE INDEX admin_units_parent ON admin_units(parent_code);

CREATE TABLE councils (
    id              INTEGER PRIMARY KEY,
    unit_code       TEXT NOT NULL REFERENCES admin_units(code),
    level           TEXT NOT NULL,
    name            TEXT NOT NULL,
    search_name     TEXT NOT NULL,
    term_number     BIGINT NOT NULL,
    term_starts_on  TEXT NOT NULL,
    term_ends_on    TEXT NOT NULL,
    seats_statutory BIGINT NOT NULL,
    rules           TEXT NOT NULL,
    UNIQUE (unit_code, term_number)
);

CREATE TABLE bodies (
    id           INTEGER PRIMARY KEY,
    council_id   BIGINT REFERENCES councils(id),
    kind         TEXT NOT NULL,
    committee    TEXT,
    name         TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    organ_code   TEXT
);
CREATE INDEX bodies_council ON bodies(council_id, kind);

CREATE TABLE people (
    id        INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    status    TEXT NOT NULL
);

CREATE TABLE positions (
    id        INTEGER PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    body_id   BIGINT NOT NULL REFERENCES bodies(id),
    role      TEXT NOT NULL,
    full_time BIGINT NOT NULL DEFAULT 0,
    starts_on TEXT NOT NULL,
    ends_on   TEXT
);
CREATE INDEX positions_body ON positions(body_id);
CREATE INDEX positions_person ON positions(person_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    person_id      BIGINT REFERENCES people(id),
    agency_body_id BIGINT REFERENCES bodies(id),
    totp_secret    TEXT,
    is_active      BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);

CREATE TABLE user_roles (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    council_id BIGINT REFERENCES councils(id),
    role       TEXT NOT NULL
);
CREATE INDEX user_roles_user ON user_roles(user_id);

CREATE TABLE auth_sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    csrf_token    TEXT NOT NULL,
    council_id    BIGINT REFERENCES councils(id),
    needs_totp    BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    user_agent    TEXT NOT NULL,
    address       TEXT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
