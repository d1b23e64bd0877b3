-- An agency's answer to forwarded petitions that arrived through the
-- document axis (văn bản trả lời), linked to each petition it answers. The
-- registered incoming document keeps the package and its files.
CREATE TABLE petition_answer_documents (
    petition_id BIGINT NOT NULL REFERENCES petitions(id),
    incoming_id BIGINT NOT NULL REFERENCES exchange_incoming(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (petition_id, incoming_id)
);
CREATE INDEX petition_answer_documents_incoming ON petition_answer_documents(incoming_id);
