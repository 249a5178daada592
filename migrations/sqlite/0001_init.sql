-- The embedded store of one node (a curator's laptop or a workstation).
-- Appeals and events are append-only: triggers below refuse UPDATE and DELETE, because
-- information entered into the centre's system counts as an official letter.

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Reference books. The CSV/GeoJSON texts are kept verbatim (reference_files) so the
-- operator can export, edit and re-import them; the tables below are their parsed form.
CREATE TABLE reference_files (
    name      TEXT PRIMARY KEY,
    content   TEXT NOT NULL,
    loaded_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE municipalities (
    id         TEXT PRIMARY KEY,
    ord        INTEGER NOT NULL,
    name_ru    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    population INTEGER NOT NULL CHECK (population >= 0),
    urban      INTEGER NOT NULL,
    rural      INTEGER NOT NULL,
    label_lon  REAL NOT NULL,
    label_lat  REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE blocks (
    id       TEXT PRIMARY KEY,
    ord      INTEGER NOT NULL,
    name_ru  TEXT NOT NULL,
    short_ru TEXT NOT NULL,
    color    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE topics (
    id       TEXT PRIMARY KEY,
    ord      INTEGER NOT NULL,
    block_id TEXT NOT NULL REFERENCES blocks (id),
    name_ru  TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 5),
    season   TEXT NOT NULL,
    level    TEXT NOT NULL,
    weight   REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE agencies (
    id              TEXT PRIMARY KEY,
    ord             INTEGER NOT NULL,
    name_ru         TEXT NOT NULL,
    short_ru        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('iogv', 'omsu')),
    block_id        TEXT REFERENCES blocks (id),
    municipality_id TEXT REFERENCES municipalities (id)
) WITHOUT ROWID;

CREATE TABLE regimes (
    id      TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    -- the whole record as JSON: the deadline engine reads it, SQL does not need its parts
    record  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE settlements (
    id              TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    name_ru         TEXT NOT NULL,
    place_ru        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    population      INTEGER NOT NULL,
    lon             REAL NOT NULL,
    lat             REAL NOT NULL,
    coord_source    TEXT NOT NULL
) WITHOUT ROWID;

-- Appeals: the facts fixed at registration. Ids are UUID v7 as 16-byte BLOBs.
CREATE TABLE appeals (
    id              BLOB PRIMARY KEY,
    channel         TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    received_at     INTEGER NOT NULL, -- Unix milliseconds, UTC
    regime_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    address_text    TEXT NOT NULL,
    lon             REAL,
    lat             REAL,
    municipality_id TEXT NOT NULL,
    settlement_id   TEXT,
    node            TEXT NOT NULL,
    UNIQUE (channel, external_id)
);

-- Personal data of authors (152-ФЗ), apart from the appeal so reads can withhold it.
CREATE TABLE appeal_authors (
    appeal_id BLOB PRIMARY KEY REFERENCES appeals (id),
    full_name TEXT NOT NULL,
    phone     TEXT,
    email     TEXT
);

-- Every event of every appeal. Never updated, never deleted.
CREATE TABLE events (
    id        BLOB PRIMARY KEY,
    appeal_id BLOB NOT NULL REFERENCES appeals (id),
    at        INTEGER NOT NULL, -- Unix milliseconds, UTC
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    node      TEXT NOT NULL,
    payload   TEXT NOT NULL     -- the event kind as JSON (tsur_core::EventKind)
);
CREATE INDEX events_by_appeal ON events (appeal_id, at);

CREATE TRIGGER appeals_are_immutable BEFORE UPDATE ON appeals
BEGIN SELECT RAISE(ABORT, 'appeals are immutable: record an event instead'); END;
CREATE TRIGGER appeals_are_never_deleted BEFORE DELETE ON appeals
BEGIN SELECT RAISE(ABORT, 'appeals are never deleted'); END;
CREATE TRIGGER events_are_immutable BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;

-- The projection: each appeal's current state, the fold of its events, written in the
-- same transaction as the events. Denormalised for the situation room's queries.
CREATE TABLE appeal_state (
    appeal_id        BLOB PRIMARY KEY REFERENCES appeals (id),
    status           TEXT NOT NULL,
    channel          TEXT NOT NULL,
    municipality_id  TEXT NOT NULL,
    received_at      INTEGER NOT NULL,
    block_id         TEXT,
    topic_id         TEXT,
    agency_id        TEXT,
    problem_id       BLOB,
    first_reply_at   INTEGER,
    first_answer_at  INTEGER,
    last_answer_at   INTEGER,
    resolved_at      INTEGER,
    confirmed_at     INTEGER,
    closed_at        INTEGER,
    deferred_until   TEXT,
    extension_days   INTEGER NOT NULL,
    answers          INTEGER NOT NULL,
    rejected_answers INTEGER NOT NULL,
    reopen_count     INTEGER NOT NULL,
    redirects        INTEGER NOT NULL,
    satisfaction     INTEGER,
    last_event_at    INTEGER NOT NULL,
    event_count      INTEGER NOT NULL
);
CREATE INDEX appeal_state_received ON appeal_state (received_at);
CREATE INDEX appeal_state_municipality ON appeal_state (municipality_id, received_at);
CREATE INDEX appeal_state_block ON appeal_state (block_id, received_at);
CREATE INDEX appeal_state_status ON appeal_state (status);

-- Ground truth of the demo generator's injected incidents (for detection tests).
CREATE TABLE demo_incidents (
    id              INTEGER PRIMARY KEY,
    municipality_id TEXT NOT NULL,
    settlement_id   TEXT NOT NULL,
    topic_id        TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER NOT NULL,
    description     TEXT NOT NULL
);
CREATE TABLE demo_incident_appeals (
    incident_id INTEGER NOT NULL REFERENCES demo_incidents (id),
    appeal_id   BLOB NOT NULL REFERENCES appeals (id),
    PRIMARY KEY (incident_id, appeal_id)
) WITHOUT ROWID;
