-- How far the problem linker has got: appeals inserted after this rowid are new to it.
CREATE TABLE link_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_rowid INTEGER NOT NULL
);
CREATE INDEX appeal_state_problem ON appeal_state (problem_id) WHERE problem_id IS NOT NULL;
