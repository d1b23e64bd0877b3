-- Paperless session records (issue #3): the kind of resolution a vote item
-- adopts, and the link from an adopted draft to its entry in the register
-- of resolutions, unique so a revote or a replayed close numbers it once.

ALTER TABLE agenda_items ADD COLUMN resolution_kind TEXT;

ALTER TABLE resolutions ADD COLUMN agenda_item_id BIGINT REFERENCES agenda_items(id);
CREATE UNIQUE INDEX resolutions_agenda_item ON resolutions(agenda_item_id);

-- Xin ý kiến bằng văn bản: a question put to the deputies between
-- sessions, with its documents (ids, as JSON) and a deadline; one answer per
-- deputy, replaced when they change it before the deadline.
CREATE TABLE consultations (
    id             INTEGER PRIMARY KEY,
    council_id     BIGINT NOT NULL REFERENCES councils(id),
    title          TEXT NOT NULL,
    question       TEXT NOT NULL,
    documents_json TEXT NOT NULL,
    deadline       BIGINT NOT NULL,
    status         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT
);
CREATE INDEX consultations_council ON consultations(council_id, created_at);

CREATE TABLE consultation_answers (
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    person_id       BIGINT NOT NULL REFERENCES people(id),
    opinion         TEXT NOT NULL,
    text            TEXT NOT NULL,
    answered_at     BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, person_id)
);
