-- The time window (`--since`/`--until`) a file was imported with: a file imported with a narrower
-- window than asked for now is read again. RFC 3339 UTC with nanoseconds, so text order is time order.
ALTER TABLE files ADD COLUMN window_since TEXT;
ALTER TABLE files ADD COLUMN window_until TEXT;
