-- Session documents (tài liệu kỳ họp): versions, audience, private notes,
-- read receipts, and one-time tickets that hand a confidential file to the
-- in-browser viewer. The files themselves live in the document folder,
-- named by SHA-256; the database keeps their metadata and text.

CREATE TABLE session_documents (
    id                INTEGER PRIMARY KEY,
    session_id        BIGINT NOT NULL REFERENCES council_sessions(id),
    agenda_item_id    BIGINT REFERENCES agenda_items(id),
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    classification    TEXT NOT NULL,
    status            TEXT NOT NULL,
    current_version   BIGINT NOT NULL,
    published_version BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX session_documents_session ON session_documents(session_id, agenda_item_id);

CREATE TABLE document_versions (
    document_id BIGINT NOT NULL REFERENCES session_documents(id),
    version     BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    format      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    pages       BIGINT NOT NULL,
    body_text   TEXT NOT NULL,
    folded_text TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- ref_id is 0 for grants that name no one (all deputies, guests).
CREATE TABLE document_audience (
    document_id BIGINT NOT NULL REFERENCES session_documents(id),
    kind        TEXT NOT NULL,
    ref_id      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, kind, ref_id)
);

CREATE TABLE document_notes (
    document_id BIGINT NOT NULL REFERENCES session_documents(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id)
);

CREATE TABLE document_reads (
    document_id BIGINT NOT NULL REFERENCES session_documents(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    first_at    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    times       BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id)
);

CREATE TABLE document_tickets (
    token_hash  TEXT PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES session_documents(id),
    version     BIGINT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    expires_at  BIGINT NOT NULL
);
