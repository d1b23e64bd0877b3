-- Liên thông văn bản: exchange with the national document axis.

-- The agency directory, cached from the axis.
CREATE TABLE exchange_agencies (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent     TEXT,
    fetched_at BIGINT NOT NULL
);

-- Văn bản đi: documents we send, and what revokes, updates or replaces them.
CREATE TABLE exchange_outgoing (
    id          INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL,
    business    BIGINT NOT NULL,
    original_id BIGINT REFERENCES exchange_outgoing(id),
    number      TEXT NOT NULL,
    notation    TEXT NOT NULL,
    type_name   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    pdf_name    TEXT,
    state       TEXT NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX exchange_outgoing_document ON exchange_outgoing(document_id);

-- Each recipient of an outgoing document and the last status it reported.
CREATE TABLE exchange_recipients (
    outgoing_id BIGINT NOT NULL REFERENCES exchange_outgoing(id),
    organ_id    TEXT NOT NULL,
    organ_name  TEXT NOT NULL,
    status_code TEXT,
    description TEXT,
    updated_at  BIGINT,
    PRIMARY KEY (outgoing_id, organ_id)
);

-- Every status report received, in order.
CREATE TABLE exchange_status_log (
    id          INTEGER PRIMARY KEY,
    outgoing_id BIGINT NOT NULL REFERENCES exchange_outgoing(id),
    organ_id    TEXT NOT NULL,
    status_code TEXT NOT NULL,
    description TEXT,
    at          BIGINT NOT NULL
);

-- Văn bản đến: documents received and registered, with their files.
CREATE TABLE exchange_incoming (
    id                   INTEGER PRIMARY KEY,
    fingerprint          TEXT NOT NULL UNIQUE,
    axis_doc_id          TEXT NOT NULL,
    from_organ_id        TEXT NOT NULL,
    from_name            TEXT NOT NULL,
    document_id          TEXT NOT NULL,
    code                 TEXT NOT NULL,
    type_name            TEXT NOT NULL,
    subject              TEXT NOT NULL,
    issued_on            TEXT,
    business             BIGINT NOT NULL,
    original_document_id TEXT,
    reason               TEXT,
    reg_year             BIGINT NOT NULL,
    reg_number           BIGINT NOT NULL,
    registered_on        TEXT NOT NULL,
    received_at          BIGINT NOT NULL,
    state                TEXT NOT NULL,
    last_status          TEXT,
    package              BLOB NOT NULL,
    UNIQUE (reg_year, reg_number)
);
CREATE INDEX exchange_incoming_document ON exchange_incoming(from_organ_id, document_id);

CREATE TABLE exchange_incoming_files (
    id           INTEGER PRIMARY KEY,
    incoming_id  BIGINT NOT NULL REFERENCES exchange_incoming(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB NOT NULL
);

-- The outbox: packages to send, retried with backoff until the axis takes them.
CREATE TABLE exchange_outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    message_type    TEXT NOT NULL,
    outgoing_id     BIGINT REFERENCES exchange_outgoing(id),
    incoming_id     BIGINT REFERENCES exchange_incoming(id),
    summary         TEXT NOT NULL,
    package         BLOB NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    axis_doc_id     TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX exchange_outbox_due ON exchange_outbox(state, next_attempt_at);
