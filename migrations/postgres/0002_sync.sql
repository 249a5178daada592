-- The pull feed of the sync (docs/sync.md): every change of an appeal's projection is
-- stamped with the writing transaction's id and a number of the feed sequence, as appeals,
-- events and reference files already are (0001). A node pulls the appeals whose state
-- changed since its cursor — in its scope, which row-level security decides — and with
-- each appeal all of its events it lacks. Following the state rather than the events is
-- what lets an appeal that enters a node's scope later (re-classified into its block) arrive
-- with its whole history: its old events are behind the cursor, its state change is not.
--
-- The horizon rule of 0001 applies: a pull reads only rows whose transaction id is below
-- the xmin of its snapshot, so the cursor never passes a row that is yet to commit.

ALTER TABLE appeal_state ADD COLUMN feed_xid xid8;
ALTER TABLE appeal_state ADD COLUMN feed_seq bigint;

CREATE FUNCTION tsur_stamp_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.feed_xid := pg_current_xact_id();
    NEW.feed_seq := nextval('public.feed_seq');
    RETURN NEW;
END
$$;

CREATE TRIGGER appeal_state_feed BEFORE INSERT OR UPDATE ON appeal_state FOR EACH ROW EXECUTE FUNCTION tsur_stamp_state();
ALTER TABLE appeal_state ENABLE ALWAYS TRIGGER appeal_state_feed;

-- Rows written before this migration get their stamp now (the owner is bound by FORCE, and
-- has no grant of its own, so the policies are lifted for this one statement).
ALTER TABLE appeal_state NO FORCE ROW LEVEL SECURITY;
ALTER TABLE appeal_state DISABLE ROW LEVEL SECURITY;
UPDATE appeal_state SET status = status;
ALTER TABLE appeal_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE appeal_state FORCE ROW LEVEL SECURITY;

ALTER TABLE appeal_state ALTER COLUMN feed_xid SET NOT NULL;
ALTER TABLE appeal_state ALTER COLUMN feed_seq SET NOT NULL;
ALTER TABLE appeal_state ADD CONSTRAINT appeal_state_feed_seq_unique UNIQUE (feed_seq);
CREATE INDEX appeal_state_feed ON appeal_state (feed_xid, feed_seq);

-- The wall reads only aggregates of appeal_state; the stamps say nothing about a person.
