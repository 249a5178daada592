-- The analytics' columnar snapshot of the projection, kept between runs so that opening a
-- store of a million appeals does not re-read every row. A cache, not a record: it may be
-- dropped at any time and is rebuilt from appeal_state. `key` names what it was built with
-- (its format and the reference books in force); `watermark` is the events' rowid it is
-- current to — the appeals with later events are read again on load.
CREATE TABLE analytics_snapshot (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    key       TEXT NOT NULL,
    watermark INTEGER NOT NULL,
    bytes     BLOB NOT NULL
);
