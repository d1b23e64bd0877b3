-- Kiến nghị cử tri: rounds of voter contact, the meetings of a round, the
-- petitions raised there, the letters that forward them, and staged imports.
-- A petition's full domain state is kept as JSON in `state`; the columns
-- beside it repeat what lists and filters need and are rewritten with it.
-- Voters' names and addresses live only in petition_voters, which no
-- public page reads.

CREATE TABLE petition_rounds (
    id          INTEGER PRIMARY KEY,
    council_id  BIGINT NOT NULL REFERENCES councils(id),
    name        TEXT NOT NULL,
    track       TEXT NOT NULL,
    session_id  BIGINT REFERENCES council_sessions(id),
    opened_on   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX petition_rounds_council ON petition_rounds(council_id, opened_on);

CREATE TABLE voter_meetings (
    id          INTEGER PRIMARY KEY,
    round_id    BIGINT NOT NULL REFERENCES petition_rounds(id),
    kind        TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    place_code  TEXT,
    place       TEXT NOT NULL,
    deputies    TEXT NOT NULL,
    voter_count BIGINT NOT NULL,
    minutes     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX voter_meetings_round ON voter_meetings(round_id, held_on);

CREATE TABLE petition_letters (
    id          INTEGER PRIMARY KEY,
    council_id  BIGINT NOT NULL REFERENCES councils(id),
    round_id    BIGINT NOT NULL REFERENCES petition_rounds(id),
    agency_id   BIGINT NOT NULL REFERENCES bodies(id),
    number      TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (council_id, number)
);

CREATE TABLE petitions (
    id            INTEGER PRIMARY KEY,
    council_id    BIGINT NOT NULL REFERENCES councils(id),
    round_id      BIGINT NOT NULL REFERENCES petition_rounds(id),
    meeting_id    BIGINT REFERENCES voter_meetings(id),
    text          TEXT NOT NULL,
    folded        TEXT NOT NULL,
    voter_count   BIGINT NOT NULL,
    place_code    TEXT,
    status        TEXT NOT NULL,
    field         TEXT,
    topic         TEXT,
    competence    TEXT,
    agency_id     BIGINT REFERENCES bodies(id),
    letter_id     BIGINT REFERENCES petition_letters(id),
    forwarded_on  TEXT,
    due_on        TEXT,
    answered_on   TEXT,
    result        TEXT,
    merged_into   BIGINT,
    repeat_of     BIGINT,
    carried_from  BIGINT,
    state         TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX petitions_round ON petitions(round_id, status);
CREATE INDEX petitions_council ON petitions(council_id, status);
CREATE INDEX petitions_agency ON petitions(agency_id, status);

CREATE TABLE petition_voters (
    petition_id BIGINT NOT NULL REFERENCES petitions(id),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX petition_voters_petition ON petition_voters(petition_id);

CREATE TABLE petition_imports (
    id          INTEGER PRIMARY KEY,
    round_id    BIGINT NOT NULL REFERENCES petition_rounds(id),
    file_name   TEXT NOT NULL,
    rows        TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    status      TEXT NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
