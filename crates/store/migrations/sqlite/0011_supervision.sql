-- Sổ nghị quyết and supervision (giám sát): resolutions with their
-- relations, yearly programmes, delegations, recommendation tasks, the
-- agencies' progress reports and the scheduler's record of actions sent.
--
-- Delegations and tasks are domain aggregates kept whole as JSON in `data`
-- (the domain crate owns their rules); the columns beside it copy what
-- lists, filters and dashboards query. `version` guards against two people
-- changing the same record at once.

CREATE TABLE resolutions (
    id             INTEGER PRIMARY KEY,
    council_id     BIGINT NOT NULL REFERENCES councils(id),
    number         BIGINT NOT NULL,
    symbol_year    BIGINT,
    issuer         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    series_year    BIGINT NOT NULL,
    title          TEXT NOT NULL,
    adopted_on     TEXT NOT NULL,
    effective_from TEXT,
    in_force_until TEXT,
    field          TEXT,
    bodies_json    TEXT NOT NULL,
    reporting_json TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (council_id, issuer, kind, series_year, number)
);
CREATE INDEX resolutions_council ON resolutions(council_id, adopted_on);

CREATE TABLE resolution_relations (
    id           INTEGER PRIMARY KEY,
    actor_id     BIGINT NOT NULL REFERENCES resolutions(id),
    kind         TEXT NOT NULL,
    target_id    BIGINT NOT NULL REFERENCES resolutions(id),
    effective_on TEXT,
    provisions   TEXT NOT NULL,
    UNIQUE (actor_id, kind, target_id)
);
CREATE INDEX resolution_relations_target ON resolution_relations(target_id);

CREATE TABLE supervision_programmes (
    id          INTEGER PRIMARY KEY,
    council_id  BIGINT NOT NULL REFERENCES councils(id),
    year        BIGINT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (council_id, year)
);

CREATE TABLE supervision_delegations (
    id           INTEGER PRIMARY KEY,
    council_id   BIGINT NOT NULL REFERENCES councils(id),
    programme_id BIGINT REFERENCES supervision_programmes(id),
    topic        TEXT NOT NULL,
    status       TEXT NOT NULL,
    data         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX supervision_delegations_council ON supervision_delegations(council_id, status);

CREATE TABLE supervision_tasks (
    id            INTEGER PRIMARY KEY,
    council_id    BIGINT NOT NULL REFERENCES councils(id),
    delegation_id BIGINT REFERENCES supervision_delegations(id),
    source        TEXT NOT NULL,
    lead_body_id  BIGINT NOT NULL REFERENCES bodies(id),
    due           TEXT NOT NULL,
    status        TEXT NOT NULL,
    data          TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX supervision_tasks_council ON supervision_tasks(council_id, status, due);
CREATE INDEX supervision_tasks_body ON supervision_tasks(lead_body_id, status);

CREATE TABLE supervision_progress (
    id             INTEGER PRIMARY KEY,
    task_id        BIGINT NOT NULL REFERENCES supervision_tasks(id),
    reported_on    TEXT NOT NULL,
    content        TEXT NOT NULL,
    documents_json TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX supervision_progress_task ON supervision_progress(task_id);

CREATE TABLE supervision_actions (
    action_key  TEXT PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES supervision_tasks(id),
    kind        TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    sent_at     BIGINT NOT NULL
);
CREATE INDEX supervision_actions_task ON supervision_actions(task_id);
