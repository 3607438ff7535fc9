-- Read-only views the engine computes once per database state and keeps (the desktop dashboard's overview of the
-- event log), so opening the app reads one row instead of passing over every event. `state_key` names what the
-- view was computed from (as for stored_account_reviews); a view whose key no longer matches is never read.
CREATE TABLE stored_views (
    name TEXT PRIMARY KEY,
    state_key TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    doc TEXT NOT NULL
);

-- Anything a view reads changing drops the stored views (their keys would no longer match either).
CREATE TRIGGER stored_views_drop_on_file AFTER INSERT ON files
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_file_update AFTER UPDATE ON files
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_file_delete AFTER DELETE ON files
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_events AFTER INSERT ON event_blocks
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_events_delete AFTER DELETE ON event_blocks
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_snapshot AFTER INSERT ON account_snapshots
BEGIN DELETE FROM stored_views; END;
CREATE TRIGGER stored_views_drop_on_snapshot_delete AFTER DELETE ON account_snapshots
BEGIN DELETE FROM stored_views; END;
