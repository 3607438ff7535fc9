-- CloudTrail events as a compact append-only log instead of one indexed row per event.
--
-- Existing databases lose their stored CloudTrail events, usage and files (there are no users yet):
-- the CloudTrail tables are dropped and recreated, so the next `pare import` reads every file again.

DROP INDEX IF EXISTS events_principal;
DROP TABLE IF EXISTS events;
DELETE FROM usage_ips;
DELETE FROM usage_regions;
DELETE FROM usage;
DELETE FROM event_pair_actions;
DELETE FROM event_pairs;
DELETE FROM files;
DELETE FROM principals;
DELETE FROM actions;
DELETE FROM ips;
DELETE FROM user_agents;

-- One block per imported file (per part of a file read again): the file's new events, compressed.
-- `keys` is 16 bytes per event (the deduplication keys, in the order of the events in `data`);
-- `data` is the block encoding of `pare-store`'s `event_log` module (a string dictionary, then one
-- entry per event), LZ4-compressed. `min_time`/`max_time` bound the events' `eventTime` text
-- (NULL when none had one) so a time filter skips whole blocks.
CREATE TABLE event_blocks (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES files(id),
    run_id   INTEGER NOT NULL REFERENCES import_runs(id),
    events   INTEGER NOT NULL,
    denied   INTEGER NOT NULL,
    min_time TEXT,
    max_time TEXT,
    keys     BLOB NOT NULL,
    data     BLOB NOT NULL
);
CREATE INDEX event_blocks_time ON event_blocks(min_time);
