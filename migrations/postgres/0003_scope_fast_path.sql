-- A fast path in the reading policies for grants limited by neither block nor municipality
-- (curator, deputy, and any other role granted the whole region).
--
-- The policies of 0001 decide whether an appeal, event or author is in scope by probing the
-- appeal's state for every row read. For a grant that covers every block and municipality
-- the answer is always yes, yet the probe was most of the server's work in a laptop's first
-- sync (about 0.13 s of 0.19 s for each page of events, measured on a million appeals).
-- `(SELECT tsur_session_grant())` is evaluated once per statement, and PostgreSQL evaluates
-- the arms of an OR in order, stopping at the first true one: an unlimited grant never
-- reaches the probe; any other grant is checked exactly as before.
--
-- The only rows the fast path could show beyond the probe are those of an appeal with no
-- state, which no committed transaction leaves (appeals_have_state, 0001). What a role may
-- read at all is still decided by its privileges (the wall reads none of these tables).

CREATE FUNCTION tsur_grant_unlimited(g tsur_grant) RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT (g).role IS NOT NULL AND (g).blocks IS NULL AND (g).municipalities IS NULL
$$;

ALTER POLICY in_scope ON appeals
    USING (tsur_grant_unlimited((SELECT tsur_session_grant()))
           OR EXISTS (SELECT 1 FROM appeal_state s
                      WHERE s.appeal_id = appeals.id
                        AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));

ALTER POLICY in_scope ON events
    USING (tsur_grant_unlimited((SELECT tsur_session_grant()))
           OR EXISTS (SELECT 1 FROM appeal_state s
                      WHERE s.appeal_id = events.appeal_id
                        AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));

ALTER POLICY in_scope ON appeal_authors
    USING (tsur_grant_unlimited((SELECT tsur_session_grant()))
           OR EXISTS (SELECT 1 FROM appeal_state s
                      WHERE s.appeal_id = appeal_authors.appeal_id
                        AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));
