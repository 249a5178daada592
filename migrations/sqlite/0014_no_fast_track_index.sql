-- An index that every import paid for and no query reads (docs/import.md, issue 4).
--
-- `appeal_state_fast_track (fast_track_id) WHERE fast_track_id IS NOT NULL`: no statement of
-- the store selects, joins, orders or groups by the fast-track; it is only read as a column of
-- rows found by other means (the deadline's facts). A third of an import's appeals are
-- fast-tracked in a usual March, so it was a B-tree of a third of a million entries built at
-- the end of every million-row import (0.4 s on one core). A bulk load killed while it had
-- the index dropped kept its definition in `sync_meta`; that is forgotten too, or the next
-- open would build it again.
DROP INDEX IF EXISTS appeal_state_fast_track;
DELETE FROM sync_meta WHERE key = 'deferred_index:appeal_state_fast_track';
