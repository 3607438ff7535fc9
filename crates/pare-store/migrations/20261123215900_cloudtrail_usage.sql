-- CloudTrail usage: import runs, files, interned values, deduplicated events, usage aggregates.

CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    sources     TEXT NOT NULL,          -- JSON array of the paths given
    summary     TEXT                    -- JSON summary, written when the run ends
);

-- One row per file content (by sha256); a file whose content is already here with status `ok` or
-- `error` is skipped on re-import. `read` means its events are committed but the run did not end.
CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES import_runs(id),
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('read', 'ok', 'error')),
    error       TEXT,
    records     INTEGER NOT NULL DEFAULT 0,
    new_events  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE principals (
    id      INTEGER PRIMARY KEY,
    key     TEXT NOT NULL UNIQUE,
    type    TEXT NOT NULL,
    details TEXT NOT NULL               -- JSON
);

CREATE TABLE actions (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE user_agents (
    id    INTEGER PRIMARY KEY,
    value TEXT NOT NULL UNIQUE
);

CREATE TABLE ips (
    id    INTEGER PRIMARY KEY,
    value TEXT NOT NULL UNIQUE
);

-- Every (eventSource, eventName) seen, how it was classified and how many events had it.
CREATE TABLE event_pairs (
    id           INTEGER PRIMARY KEY,
    event_source TEXT NOT NULL,
    event_name   TEXT NOT NULL,
    activity     TEXT NOT NULL,         -- actions | no_permission_needed | console | unmapped | not_a_call
    count        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_source, event_name)
);

-- The actions events of a pair were mapped to (a pair's actions may depend on its parameters).
CREATE TABLE event_pair_actions (
    pair_id   INTEGER NOT NULL REFERENCES event_pairs(id),
    action_id INTEGER NOT NULL REFERENCES actions(id),
    PRIMARY KEY (pair_id, action_id)
) WITHOUT ROWID;

-- Events, deduplicated by `event_key`: 16 bytes of the SHA-256 of `eventID` with the event's time,
-- source and name (or of the whole record when it has no `eventID`).
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    event_key     BLOB NOT NULL UNIQUE,
    event_id      TEXT,
    file_id       INTEGER NOT NULL REFERENCES files(id),
    record_index  INTEGER NOT NULL,
    time          TEXT,
    principal_id  INTEGER NOT NULL REFERENCES principals(id),
    pair_id       INTEGER NOT NULL REFERENCES event_pairs(id),
    region        TEXT,
    ip_id         INTEGER REFERENCES ips(id),
    user_agent_id INTEGER REFERENCES user_agents(id),
    read_only     INTEGER,
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed', 'failed_before_authorization')),
    error_code    TEXT,
    error_message TEXT
);
CREATE INDEX events_principal ON events(principal_id);

-- Usage per (principal, action, resource), from events that show the permission was held.
CREATE TABLE usage (
    id           INTEGER PRIMARY KEY,
    principal_id INTEGER NOT NULL REFERENCES principals(id),
    action_id    INTEGER NOT NULL REFERENCES actions(id),
    resource     TEXT NOT NULL,
    count        INTEGER NOT NULL,
    first_seen   TEXT,
    last_seen    TEXT,
    UNIQUE (principal_id, action_id, resource)
);

CREATE TABLE usage_regions (
    usage_id INTEGER NOT NULL REFERENCES usage(id),
    region   TEXT NOT NULL,
    PRIMARY KEY (usage_id, region)
) WITHOUT ROWID;

CREATE TABLE usage_ips (
    usage_id INTEGER NOT NULL REFERENCES usage(id),
    ip_id    INTEGER NOT NULL REFERENCES ips(id),
    PRIMARY KEY (usage_id, ip_id)
) WITHOUT ROWID;
