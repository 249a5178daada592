-- Sync with the central database (docs/sync.md).
--
-- `pulled` marks appeals and events that came from the central database, so that the push
-- sends only what this node recorded. Events are append-only, so their rowid only grows:
-- the push keeps a watermark (the last rowid sent) in sync_meta, and a retry after a crash
-- resends at most one batch, which the server ignores (events are keyed by their UUID).
ALTER TABLE appeals ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0;

-- Settings and positions of the sync: the central server and login (never the password,
-- which is kept in the OS keyring), the push watermark, the pull cursors, the last
-- successful sync. Written in the same transaction as the data they describe.
CREATE TABLE sync_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- What the sync refused to apply from the server (a malformed event, an event of an
-- unknown appeal, an impossible history), with why: refused rows never reach the store,
-- and are kept here for the administrator instead of stopping every later sync.
CREATE TABLE sync_rejected (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,       -- Unix milliseconds, UTC
    direction TEXT NOT NULL CHECK (direction IN ('pull', 'push')),
    object    TEXT NOT NULL,          -- e.g. "обращение 0190…", "событие 0190…"
    reason    TEXT NOT NULL
);
