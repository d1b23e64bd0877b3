-- Chất vấn: questions deputies put to officials, and their answers.
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES council_sessions(id),
    person_id   BIGINT NOT NULL REFERENCES people(id),
    official    TEXT NOT NULL,
    topic       TEXT NOT NULL,
    content     TEXT NOT NULL,
    status      TEXT NOT NULL,
    filed_at    BIGINT NOT NULL,
    asked_at    BIGINT,
    answered_at BIGINT,
    answer      TEXT
);
CREATE INDEX questions_session ON questions(session_id, status);
