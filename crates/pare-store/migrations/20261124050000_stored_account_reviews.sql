-- The whole-account access review, computed once per database state and kept, so the desktop app reads it
-- instead of recomputing it at every launch. `state_key` names what the review was computed from (the latest
-- account snapshot, the CloudTrail import state, the review's settings and the engine's version); a review whose
-- key no longer matches the database is never read. Rows are JSON documents in the engine's shapes.
CREATE TABLE stored_account_reviews (
    id INTEGER PRIMARY KEY,
    state_key TEXT NOT NULL UNIQUE,
    computed_at TEXT NOT NULL,
    -- The dashboard's counts.
    summary TEXT NOT NULL
);

-- One row per identity of the review, in its order.
CREATE TABLE stored_review_identities (
    review_id INTEGER NOT NULL REFERENCES stored_account_reviews(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    arn TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (review_id, ord)
);
CREATE INDEX stored_review_identities_arn ON stored_review_identities (review_id, arn);

-- One row per finding, worst first.
CREATE TABLE stored_review_findings (
    review_id INTEGER NOT NULL REFERENCES stored_account_reviews(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    principal TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (review_id, ord)
);
CREATE INDEX stored_review_findings_principal ON stored_review_findings (review_id, principal);

-- One row per privilege-escalation path.
CREATE TABLE stored_review_paths (
    review_id INTEGER NOT NULL REFERENCES stored_account_reviews(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (review_id, ord)
);

-- Which paths start at (`from`) or reach or go through (`into`) an identity.
CREATE TABLE stored_review_path_links (
    review_id INTEGER NOT NULL REFERENCES stored_account_reviews(id) ON DELETE CASCADE,
    arn TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('from', 'into')),
    path_ord INTEGER NOT NULL,
    PRIMARY KEY (review_id, arn, role, path_ord)
);

-- Anything the review reads changing drops the stored reviews (the key would no longer match either; this
-- frees the space at once).
CREATE TRIGGER stored_reviews_drop_on_file AFTER INSERT ON files
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_file_update AFTER UPDATE ON files
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_file_delete AFTER DELETE ON files
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_events AFTER INSERT ON event_blocks
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_events_delete AFTER DELETE ON event_blocks
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_snapshot AFTER INSERT ON account_snapshots
BEGIN DELETE FROM stored_account_reviews; END;
CREATE TRIGGER stored_reviews_drop_on_snapshot_delete AFTER DELETE ON account_snapshots
BEGIN DELETE FROM stored_account_reviews; END;
