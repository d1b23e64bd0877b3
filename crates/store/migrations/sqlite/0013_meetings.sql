-- Online meetings (họp trực tuyến): the meeting, its invitations (halls =
-- điểm cầu, and people) and the record of who joined and left when, kept
-- for the minutes.

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    council_id  BIGINT NOT NULL REFERENCES councils(id),
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    session_id  BIGINT REFERENCES council_sessions(id),
    starts_at   BIGINT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE INDEX meetings_council ON meetings(council_id, starts_at);

CREATE TABLE meeting_invitations (
    id          INTEGER PRIMARY KEY,
    meeting_id  BIGINT NOT NULL REFERENCES meetings(id),
    person_id   BIGINT REFERENCES people(id),
    hall        TEXT,
    role        TEXT NOT NULL,
    CHECK ((person_id IS NULL) <> (hall IS NULL))
);
CREATE UNIQUE INDEX meeting_invitations_person ON meeting_invitations(meeting_id, person_id)
    WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX meeting_invitations_hall ON meeting_invitations(meeting_id, hall)
    WHERE hall IS NOT NULL;

CREATE TABLE meeting_presence (
    id          INTEGER PRIMARY KEY,
    meeting_id  BIGINT NOT NULL REFERENCES meetings(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    joined_at   BIGINT NOT NULL,
    left_at     BIGINT
);
CREATE INDEX meeting_presence_meeting ON meeting_presence(meeting_id, joined_at);
