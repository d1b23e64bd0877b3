-- Thông báo: notifications inside the product, one row per recipient, and
-- the outbox of e-mails that carry them when an SMTP server is set up.
--
-- `dedupe_key` lets a sender (the scheduler's reminders) create a
-- notification once however often it retries: one row per user and key.
-- An e-mail that fails is tried again later (`next_attempt_at`) and never
-- holds up the request that caused it.

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    dedupe_key  TEXT,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);

CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX email_outbox_due ON email_outbox(sent_at, next_attempt_at);

-- Files an agency sends with a progress or completion report on a
-- supervision task, kept in the document folder by their SHA-256.
CREATE TABLE supervision_files (
    id          INTEGER PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES supervision_tasks(id),
    doc_number  TEXT NOT NULL,
    doc_date    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    format      TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX supervision_files_task ON supervision_files(task_id);
