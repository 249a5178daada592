-- Two indexes that every import paid for and no query needs (docs/import.md, issue 4).
--
-- `appeal_state_status (status)`: `appeal_state_answer_due (status, answer_due)` begins with
-- the same column and serves every query by status (the open appeals, the lists narrowed by
-- status, the counts by status). A bulk load killed while it had the index dropped kept its
-- definition in `sync_meta`; that is forgotten too, or the next open would build it again.
DROP INDEX IF EXISTS appeal_state_status;
DELETE FROM sync_meta WHERE key = 'deferred_index:appeal_state_status';

-- `events_unpushed (pulled) WHERE pulled = 0`: on a node that imports, it held every event
-- (a third B-tree written for each), only so that the push need not read pulled events. The
-- push watermark now does that itself: it is moved past pulled events whenever nothing of
-- this node's waits before them (`sync.rs`, `advance_push_mark`). Moved here once, while
-- the index still finds what waits.
INSERT OR REPLACE INTO sync_meta (key, value)
SELECT 'push_mark', CAST(last AS TEXT) FROM (SELECT max(rowid) AS last FROM events)
WHERE last IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM events
    WHERE pulled = 0 AND rowid > coalesce((SELECT CAST(value AS INTEGER) FROM sync_meta WHERE key = 'push_mark'), 0)
);
DROP INDEX IF EXISTS events_unpushed;
