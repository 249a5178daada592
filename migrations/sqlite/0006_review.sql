-- Classification in the projection: the classifier's confidence in the current block and
-- topic (NULL when a person classified it), and whether a person did. The review queue is
-- the appeals not classified yet or classified with low confidence and not by a person.
ALTER TABLE appeal_state ADD COLUMN class_confidence REAL;
ALTER TABLE appeal_state ADD COLUMN class_by_person INTEGER NOT NULL DEFAULT 0;
CREATE INDEX appeal_state_review ON appeal_state (class_by_person, class_confidence);
