-- The agencies' lateness model of the overdue list (tsur_core::risk::RiskModel), kept
-- between runs so that the first overdue list after a start does not read every appeal's
-- history again. A cache, not a record: it may be dropped at any time and is rebuilt from
-- appeal_state. One row, the model last built for "now" and what it was built for: the
-- events' rowid it is current to (`watermark`), the instant (Unix seconds; the API keeps
-- "now" to its hour), a stamp of the deadline rules, and the thresholds.
CREATE TABLE risk_model (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    watermark            INTEGER NOT NULL,
    instant              INTEGER NOT NULL,
    rules                TEXT NOT NULL,
    working_left_minutes INTEGER NOT NULL,
    p_late               REAL NOT NULL,
    min_sample           INTEGER NOT NULL,
    bytes                BLOB NOT NULL
);
