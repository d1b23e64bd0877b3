-- The speaking queue of a session (đăng ký phát biểu, tranh luận).
CREATE TABLE speak_requests (
    id               INTEGER PRIMARY KEY,
    session_id       BIGINT NOT NULL REFERENCES council_sessions(id),
    person_id        BIGINT NOT NULL REFERENCES people(id),
    kind             TEXT NOT NULL,
    topic            TEXT NOT NULL,
    status           TEXT NOT NULL,
    requested_at     BIGINT NOT NULL,
    started_at       BIGINT,
    ended_at         BIGINT,
    allotted_seconds BIGINT NOT NULL
);
CREATE INDEX speak_requests_session ON speak_requests(session_id, status);
