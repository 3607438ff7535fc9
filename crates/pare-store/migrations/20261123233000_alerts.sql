-- Activity alerts: policies (every stored change is a new version), alerts with the events that caused
-- them and their triage, facts of security-relevant events the event log does not keep, the evaluation's
-- progress through the event log, and user settings (the reviewer's name).

CREATE TABLE alert_policies (
    id          INTEGER PRIMARY KEY,
    policy_id   TEXT NOT NULL,              -- the policy's `id` in its file
    version     INTEGER NOT NULL,           -- 1, 2, ...: a changed body is a new version
    source      TEXT NOT NULL,              -- `builtin` or the file it was read from
    body        TEXT NOT NULL,              -- the policy as JSON (one entry of a policy file)
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    UNIQUE (policy_id, version)
);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    policy      INTEGER NOT NULL REFERENCES alert_policies(id),  -- the version that raised it
    policy_id   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    time        TEXT,
    summary     TEXT NOT NULL,
    -- `policy_id` and the events' keys: the same policy on the same events is one alert, however often
    -- it is evaluated.
    fingerprint TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'resolved')),
    note        TEXT,
    triaged_by  TEXT,
    triaged_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX alerts_status ON alerts(status);

CREATE TABLE alert_events (
    alert_id  INTEGER NOT NULL REFERENCES alerts(id),
    position  INTEGER NOT NULL,
    event_id  TEXT NOT NULL,               -- `eventID` (empty when the record had none)
    event_key BLOB NOT NULL,               -- the event log's 16-byte key
    PRIMARY KEY (alert_id, position)
) WITHOUT ROWID;

-- Facts (`pare_alerts::facts_of`) of events that have any: sign-in results, MFA, IAM request parameters.
CREATE TABLE alert_event_facts (
    event_key BLOB PRIMARY KEY,
    facts     TEXT NOT NULL                -- JSON object
) WITHOUT ROWID;

-- How far evaluation on import has read the event log, and the evaluator's state (thresholds, first seen).
CREATE TABLE alert_evaluation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_block INTEGER NOT NULL,
    state      TEXT NOT NULL
);

CREATE TABLE user_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
