-- Search by text on the laptop: an FTS5 index over the appeals' own columns (external
-- content: the text is not stored twice). Appeals are never updated or deleted, so the index
-- only grows; it is brought up to the newest appeal before each search, from the rowid kept
-- in `appeal_search_mark`, rather than by a trigger on every insert (a bulk load or a first
-- sync would pay for an index nobody may ever query). `unicode61` folds case and, with
-- `remove_diacritics 2`, ё to е; Russian endings are handled by the query, which searches
-- the stem of each word as a prefix.
CREATE VIRTUAL TABLE appeal_search USING fts5 (
    text,
    address_text,
    content = 'appeals',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE appeal_search_mark (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO appeal_search_mark (id, upto) VALUES (1, 0);
