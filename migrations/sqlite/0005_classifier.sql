-- Trained classifiers: the region's own model, trained on its labelled history. The
-- newest row is the one in force; older ones stay for comparison.
CREATE TABLE classifier_models (
    id          INTEGER PRIMARY KEY,
    trained_at  INTEGER NOT NULL,  -- Unix ms
    source      TEXT NOT NULL,     -- the labelled file it was trained on
    texts       INTEGER NOT NULL,  -- how many labelled texts
    classes     TEXT NOT NULL,     -- JSON array of the class labels (block ids)
    model       BLOB NOT NULL      -- tsur_classify::LinearModel::to_bytes
);
