-- The push reads this node's own events after its watermark (`pulled = 0 AND rowid > ?`).
-- A laptop that pulled a million appeals has millions of events none of which it will push:
-- without this partial index, counting what waits to be pushed would read them all.
CREATE INDEX events_unpushed ON events (pulled) WHERE pulled = 0;
