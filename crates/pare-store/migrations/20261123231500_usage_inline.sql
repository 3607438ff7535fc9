-- Usage aggregates as one row each, without a rowid, with their regions and source IPs inline
-- (JSON arrays of text, sorted; merged by the `pare_merge_json_sets` SQL function Pare registers),
-- so that adding a file's usage costs one B-tree insert per (principal, action, resource) instead
-- of four (the rowid table, its unique index, `usage_regions`, `usage_ips`).
--
-- Existing databases lose their stored CloudTrail data (there are no users yet): the next
-- `pare import` reads every file again.

DROP TABLE usage_ips;
DROP TABLE usage_regions;
DROP TABLE usage;
DELETE FROM event_blocks;
DELETE FROM event_pair_actions;
DELETE FROM event_pairs;
DELETE FROM files;
DELETE FROM principals;
DELETE FROM actions;
DELETE FROM ips;
DELETE FROM user_agents;

CREATE TABLE usage (
    principal_id INTEGER NOT NULL REFERENCES principals(id),
    action_id    INTEGER NOT NULL REFERENCES actions(id),
    resource     TEXT NOT NULL,
    count        INTEGER NOT NULL,
    first_seen   TEXT,
    last_seen    TEXT,
    regions      TEXT NOT NULL,         -- JSON array, sorted
    source_ips   TEXT NOT NULL,         -- JSON array, sorted
    PRIMARY KEY (principal_id, action_id, resource)
) WITHOUT ROWID;
