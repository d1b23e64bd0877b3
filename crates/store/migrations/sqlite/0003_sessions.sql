-- Council sessions (kỳ họp), agenda, attendance and votes.
-- A secret round keeps who voted (round_voters) and what was chosen
-- (counters on vote_rounds) apart: no row anywhere joins a deputy to a
-- choice, and counters reveal no order.

CREATE TABLE council_sessions (
    id          INTEGER PRIMARY KEY,
    council_id  BIGINT NOT NULL REFERENCES councils(id),
    term_number BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    is_public   BIGINT NOT NULL DEFAULT 1,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    place       TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (council_id, term_number, number)
);

CREATE TABLE agenda_items (
    id              INTEGER PRIMARY KEY,
    session_id      BIGINT NOT NULL REFERENCES council_sessions(id),
    position        BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    presenter       TEXT NOT NULL,
    planned_minutes BIGINT NOT NULL,
    status          TEXT NOT NULL
);
CREATE INDEX agenda_items_session ON agenda_items(session_id, position);

CREATE TABLE attendance (
    session_id BIGINT NOT NULL REFERENCES council_sessions(id),
    person_id  BIGINT NOT NULL REFERENCES people(id),
    status     TEXT NOT NULL,
    method     TEXT NOT NULL,
    reason     TEXT,
    at         BIGINT NOT NULL,
    PRIMARY KEY (session_id, person_id)
);

CREATE TABLE vote_rounds (
    id                INTEGER PRIMARY KEY,
    session_id        BIGINT NOT NULL REFERENCES council_sessions(id),
    agenda_item_id    BIGINT NOT NULL REFERENCES agenda_items(id),
    round_number      BIGINT NOT NULL,
    title             TEXT NOT NULL,
    mode              TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    status            TEXT NOT NULL,
    opened_at         BIGINT,
    closes_at         BIGINT,
    closed_at         BIGINT,
    approve           BIGINT NOT NULL DEFAULT 0,
    reject            BIGINT NOT NULL DEFAULT 0,
    abstain           BIGINT NOT NULL DEFAULT 0,
    manual            BIGINT NOT NULL DEFAULT 0,
    result            TEXT,
    UNIQUE (agenda_item_id, round_number)
);
CREATE INDEX vote_rounds_session ON vote_rounds(session_id);

-- Who has voted in a round, in either mode. No time, no choice.
CREATE TABLE round_voters (
    round_id  BIGINT NOT NULL REFERENCES vote_rounds(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (round_id, person_id)
);

-- Named rounds only: each deputy's choice, published with the result.
CREATE TABLE named_ballots (
    round_id  BIGINT NOT NULL REFERENCES vote_rounds(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    choice    TEXT NOT NULL,
    cast_at   BIGINT NOT NULL,
    PRIMARY KEY (round_id, person_id)
);
