-- Deadline state of every stage: the projection keeps what the deadline engine needs
-- (registration, first redirection, latest reopening, the fast-track) and the due instant
-- of a deferred solution; the rules in force (regimes, office hours, regional calendar
-- overrides, fast-tracks) are kept as one record so the store can recompute deadlines.
ALTER TABLE appeal_state ADD COLUMN registered_at INTEGER;   -- Unix ms, UTC
ALTER TABLE appeal_state ADD COLUMN redirected_at INTEGER;   -- first redirection
ALTER TABLE appeal_state ADD COLUMN reopened_at INTEGER;     -- latest reopening by the citizen
ALTER TABLE appeal_state ADD COLUMN fast_track_id TEXT;      -- the fast-track applied, if any
ALTER TABLE appeal_state ADD COLUMN resolution_due INTEGER;  -- while deferred: the plan date's closing

-- Rows written before this migration: the instants from their events.
UPDATE appeal_state SET
    registered_at = (SELECT min(e.at) FROM events e WHERE e.appeal_id = appeal_state.appeal_id AND e.kind = 'registered'),
    redirected_at = (SELECT min(e.at) FROM events e WHERE e.appeal_id = appeal_state.appeal_id AND e.kind = 'redirected'),
    reopened_at = (SELECT max(e.at) FROM events e WHERE e.appeal_id = appeal_state.appeal_id AND e.kind = 'citizen_not_solved');

CREATE TABLE deadline_rules (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    record TEXT NOT NULL      -- JSON of tsur_core::rules::RulesRecord
);

CREATE INDEX appeal_state_fast_track ON appeal_state (fast_track_id) WHERE fast_track_id IS NOT NULL;
