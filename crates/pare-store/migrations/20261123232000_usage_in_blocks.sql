-- Usage aggregates per (principal, action, resource) move into the event blocks: each block keeps
-- its own file's aggregates (its `usage` column), and reading usage sums the blocks. Writing a file
-- then costs one row whatever its number of distinct resources (S3 object ARNs made the `usage`
-- table as large as the event table). Each block's string dictionary gets its own column, so
-- usage can be read without decompressing events.
--
-- Existing databases lose their stored CloudTrail data (there are no users yet): the next
-- `pare import` reads every file again.

DROP TABLE usage;
DROP INDEX event_blocks_time;
DROP TABLE event_blocks;
DELETE FROM event_pair_actions;
DELETE FROM event_pairs;
DELETE FROM files;
DELETE FROM principals;
DELETE FROM actions;
DELETE FROM ips;
DELETE FROM user_agents;

-- One block per imported file (per part of a file read again): the file's new events.
-- `keys`: 16 bytes per event, the deduplication keys, in event order (uncompressed).
-- `dict`: the strings the block names, each once (LZ4). `data`: one entry per event (LZ4).
-- `usage`: the file's usage per (principal, action, resource): count, first/last seen, regions,
-- source IPs (LZ4). Encodings: `pare-store`'s `event_log` module. `min_time`/`max_time` bound the
-- events' `eventTime` text (NULL when none had one) so a time filter skips whole blocks.
CREATE TABLE event_blocks (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES files(id),
    run_id   INTEGER NOT NULL REFERENCES import_runs(id),
    events   INTEGER NOT NULL,
    denied   INTEGER NOT NULL,
    min_time TEXT,
    max_time TEXT,
    keys     BLOB NOT NULL,
    dict     BLOB NOT NULL,
    data     BLOB NOT NULL,
    usage    BLOB NOT NULL
);
CREATE INDEX event_blocks_time ON event_blocks(min_time);
