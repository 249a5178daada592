-- Deadlines in the projection: computed by tsur-core's deadline engine from the appeal's
-- regime, its registration and its extension, on every write of the appeal's state.
ALTER TABLE appeal_state ADD COLUMN first_reply_due INTEGER; -- Unix ms, UTC; NULL when the regime has no such stage
ALTER TABLE appeal_state ADD COLUMN answer_due INTEGER;      -- Unix ms, UTC
ALTER TABLE appeal_state ADD COLUMN due_predicted INTEGER NOT NULL DEFAULT 0; -- 1 when a predicted calendar year was used
CREATE INDEX appeal_state_answer_due ON appeal_state (status, answer_due);
