-- The agency's answer to a petition as the signed file it sent (văn bản
-- trả lời): kept in the document folder by SHA-256 like session documents,
-- stored in the same transaction as the answer it belongs to.

CREATE TABLE petition_answer_files (
    id           INTEGER PRIMARY KEY,
    petition_id  BIGINT NOT NULL REFERENCES petitions(id),
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    format       TEXT NOT NULL,
    pages        BIGINT NOT NULL,
    text         TEXT NOT NULL,
    uploaded_by  BIGINT REFERENCES users(id),
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX petition_answer_files_petition ON petition_answer_files(petition_id);

-- The National Assembly session a round of the Delegation's track reports
-- to: its opening and closing days give the 15-day sending window.
ALTER TABLE petition_rounds ADD COLUMN na_opening TEXT;
ALTER TABLE petition_rounds ADD COLUMN na_closing TEXT;
