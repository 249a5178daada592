-- Imports of channel exports, and the quarantine of rows that could not be imported.
-- Nothing read is lost: a rejected row waits here, with its position, the column at
-- fault, the raw value and the reason, until a retry under a corrected mapping imports it.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    format      TEXT NOT NULL,
    mapping     TEXT NOT NULL,      -- the mapping's name
    started_at  INTEGER NOT NULL,   -- Unix ms
    finished_at INTEGER,            -- NULL while running, or when the run was interrupted
    rows_read   INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    duplicate   INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES imports (id),
    file        TEXT NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    raw_value   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    raw_row     TEXT,               -- the row as JSON (cells by column), NULL when unreadable
    channel     TEXT,               -- the channel the import ran for, to retry under it
    resolved_at INTEGER,            -- set when a retry imported it
    resolved_by INTEGER REFERENCES imports (id)
);
CREATE INDEX quarantine_open ON quarantine (resolved_at, id);
-- One open entry per (file, line): a rerun of the same file does not quarantine twice.
CREATE UNIQUE INDEX quarantine_once ON quarantine (file, line) WHERE resolved_at IS NULL;
