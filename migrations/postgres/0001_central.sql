-- The central database of the ЦУР: every node's appeals and events in one place, and the
-- decree's roles enforced by PostgreSQL itself (row-level security), so that a person who
-- connects with their own login and writes SQL by hand still sees only their blocks and
-- municipalities, and personal data only if their role may see it. docs/central.md has the
-- matrix and the reasoning; this file is its implementation. Requires PostgreSQL 13+.
--
-- Applied by sqlx's migrator (crates/tsur-store-postgres), inside one transaction. An
-- applied migration is never edited: add a new file.

-- Nobody but the owner creates objects in `public`: a role that could would be able to
-- shadow a function or an operator the policies rely on. (Already so on PostgreSQL 15+;
-- on a server where the migrating role does not own `public` this is only a warning.)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- ---------------------------------------------------------------------------------------
-- Roles of the decree. NOLOGIN group roles: a person logs in with a role of their own that
-- is a member of exactly one of these. Roles are cluster-wide, so several databases (and
-- concurrent test databases) share them; creating an existing one is not an error.
-- ---------------------------------------------------------------------------------------
DO $roles$
DECLARE
    group_role text;
BEGIN
    FOREACH group_role IN ARRAY ARRAY['tsur_curator', 'tsur_deputy', 'tsur_operator', 'tsur_block_responsible',
                                      'tsur_block_head', 'tsur_media', 'tsur_municipal_officer', 'tsur_wall'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = group_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created meanwhile by a concurrent migration of another database
            END;
        END IF;
    END LOOP;
END
$roles$;

-- ---------------------------------------------------------------------------------------
-- Who is who: a login, its decree role and its scope. NULL arrays mean "every block" and
-- "every municipality", as `Scope` in tsur-core. Written by the owner (the administrator);
-- each user reads only their own row.
-- ---------------------------------------------------------------------------------------
CREATE TABLE user_grants (
    login          text PRIMARY KEY,
    role           text NOT NULL CHECK (role IN ('curator', 'deputy', 'operator', 'block_responsible',
                                                  'block_head', 'media', 'municipal_officer', 'wall')),
    blocks         text[],
    municipalities text[],
    note           text NOT NULL DEFAULT '',
    granted_at     timestamptz NOT NULL DEFAULT now(),
    granted_by     text NOT NULL DEFAULT session_user
);

-- The scope of the session: the grant of `session_user` (the login, unchanged by SET ROLE),
-- provided that the login is a member of the granted role's group and of no other decree
-- group. Either key alone (a row here, or a membership) gives nothing.
--
-- SECURITY DEFINER so that it can read `user_grants` whatever the caller may read; it
-- cannot be abused because it takes no argument and answers only about the caller. The
-- search path is pinned so that no object of the caller's can stand in for ours.
CREATE TYPE tsur_grant AS (role text, blocks text[], municipalities text[]);

CREATE FUNCTION tsur_session_grant() RETURNS tsur_grant
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT ROW(g.role, g.blocks, g.municipalities)::public.tsur_grant
    FROM public.user_grants g
    WHERE g.login = session_user
      AND pg_catalog.pg_has_role(session_user, 'tsur_' || g.role, 'MEMBER')
      AND (SELECT count(*)
           FROM pg_catalog.pg_roles r
           WHERE r.rolname IN ('tsur_curator', 'tsur_deputy', 'tsur_operator', 'tsur_block_responsible',
                               'tsur_block_head', 'tsur_media', 'tsur_municipal_officer', 'tsur_wall')
             AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')) = 1
$$;

-- Whether a grant covers an appeal of this block and municipality: `Scope::allows` of
-- tsur-core in SQL. An unclassified appeal (no block) is covered only by a grant that is
-- not limited by block. Plain SQL, so the planner inlines it; the policies pass the grant
-- as `(SELECT tsur_session_grant())`, which PostgreSQL evaluates once per statement.
-- Names inside are schema-qualified: a SQL function's body is resolved with the caller's
-- search_path (and logins cannot create objects anywhere it could lead).
CREATE FUNCTION tsur_grant_covers_municipality(g tsur_grant, municipality text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT (g).role IS NOT NULL
       AND ((g).municipalities IS NULL OR coalesce(municipality = ANY ((g).municipalities), false))
$$;

CREATE FUNCTION tsur_grant_covers(g tsur_grant, block text, municipality text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT public.tsur_grant_covers_municipality(g, municipality)
       AND ((g).blocks IS NULL OR coalesce(block = ANY ((g).blocks), false))
$$;

-- ---------------------------------------------------------------------------------------
-- The sync feed. Rows that nodes pull (appeals, events, reference files) carry
-- `feed_xid`, the id of the transaction that wrote them, and `feed_seq`, a number from one
-- server sequence; both are set by a trigger, never by the client.
--
-- Why not a plain sequence as the cursor: numbers are taken at INSERT but become visible at
-- COMMIT, so a reader can see 12 before 11 commits, move its cursor past 11 and never get
-- it. The pull will instead read only rows whose transaction is finished for everyone:
--     WHERE (feed_xid, feed_seq) > ($cursor_xid, $cursor_seq)
--       AND feed_xid < pg_snapshot_xmin(pg_current_snapshot())
--     ORDER BY feed_xid, feed_seq
-- Every transaction with an id below the snapshot's xmin has committed or aborted, and a
-- new transaction always gets a larger id, so the rows below that horizon never change: the
-- cursor (feed_xid, feed_seq) can move past them without a gap. A long transaction holds the
-- horizon back (the pull waits), it never loses a row. xid8 is 64-bit: no wraparound.
-- ---------------------------------------------------------------------------------------
CREATE SEQUENCE feed_seq AS bigint;

CREATE FUNCTION tsur_stamp_feed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.feed_xid := pg_current_xact_id();
    NEW.feed_seq := nextval('public.feed_seq');
    NEW.stored_at := now();
    NEW.stored_by := session_user;
    RETURN NEW;
END
$$;

-- History is never rewritten (information entered counts as an official letter).
CREATE FUNCTION tsur_refuse_rewrite() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'таблица % только для добавления: % запрещён', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'TS001', HINT = 'Изменение записывается новым событием.';
END
$$;

-- ---------------------------------------------------------------------------------------
-- Appeals: the facts fixed at registration. Immutable.
-- ---------------------------------------------------------------------------------------
CREATE TABLE appeals (
    id              uuid PRIMARY KEY,
    channel         text NOT NULL,
    external_id     text NOT NULL,
    received_at     timestamptz NOT NULL,
    regime_id       text NOT NULL,
    text            text NOT NULL,
    address_text    text NOT NULL,
    lon             double precision,
    lat             double precision,
    municipality_id text NOT NULL,
    settlement_id   text,
    node            text NOT NULL,
    stored_at       timestamptz NOT NULL,
    stored_by       text NOT NULL,
    feed_xid        xid8 NOT NULL,
    feed_seq        bigint NOT NULL UNIQUE,
    UNIQUE (channel, external_id)
);
CREATE INDEX appeals_feed ON appeals (feed_xid, feed_seq);

-- Personal data of authors (152-ФЗ), apart from the appeal so that the database itself can
-- withhold it: roles that may not see it have no privilege on this table at all.
CREATE TABLE appeal_authors (
    appeal_id uuid PRIMARY KEY REFERENCES appeals (id),
    full_name text NOT NULL,
    phone     text,
    email     text
);

-- Every event of every appeal, keyed by its UUID (made on the node, so a push is
-- idempotent). Immutable.
CREATE TABLE events (
    id        uuid PRIMARY KEY,
    appeal_id uuid NOT NULL REFERENCES appeals (id),
    at        timestamptz NOT NULL,
    kind      text NOT NULL,
    actor     text NOT NULL,
    node      text NOT NULL,
    payload   jsonb NOT NULL,   -- tsur_core::EventKind as JSON
    stored_at timestamptz NOT NULL,
    stored_by text NOT NULL,
    feed_xid  xid8 NOT NULL,
    feed_seq  bigint NOT NULL UNIQUE
);
CREATE INDEX events_by_appeal ON events (appeal_id, at);
CREATE INDEX events_feed ON events (feed_xid, feed_seq);

-- The projection: each appeal's current state, the fold of its events by tsur-core, written
-- in the same transaction as the events. Its block and municipality are what the
-- row-level security of every appeal table is decided by.
CREATE TABLE appeal_state (
    appeal_id        uuid PRIMARY KEY REFERENCES appeals (id),
    status           text NOT NULL,
    channel          text NOT NULL,
    municipality_id  text NOT NULL,
    received_at      timestamptz NOT NULL,
    block_id         text,
    topic_id         text,
    agency_id        text,
    problem_id       uuid,
    first_reply_at   timestamptz,
    first_answer_at  timestamptz,
    last_answer_at   timestamptz,
    resolved_at      timestamptz,
    confirmed_at     timestamptz,
    closed_at        timestamptz,
    deferred_until   date,
    extension_days   integer NOT NULL DEFAULT 0,
    answers          integer NOT NULL DEFAULT 0,
    rejected_answers integer NOT NULL DEFAULT 0,
    reopen_count     integer NOT NULL DEFAULT 0,
    redirects        integer NOT NULL DEFAULT 0,
    satisfaction     smallint,
    last_event_at    timestamptz NOT NULL,
    event_count      integer NOT NULL,
    first_reply_due  timestamptz,
    answer_due       timestamptz,
    due_predicted    boolean NOT NULL DEFAULT false,
    registered_at    timestamptz,
    redirected_at    timestamptz,
    reopened_at      timestamptz,
    fast_track_id    text,
    resolution_due   timestamptz,
    class_confidence real,
    class_by_person  boolean NOT NULL DEFAULT false
);
CREATE INDEX appeal_state_received ON appeal_state (received_at);
CREATE INDEX appeal_state_municipality ON appeal_state (municipality_id, received_at);
CREATE INDEX appeal_state_block ON appeal_state (block_id, received_at);
CREATE INDEX appeal_state_status ON appeal_state (status, answer_due);

-- Reference books, versioned: importing a file adds its next version; old versions stay,
-- so a node can tell which version an appeal was handled under. The current book is the
-- highest version of each name.
CREATE TABLE reference_files (
    name      text NOT NULL,
    version   integer NOT NULL CHECK (version > 0),
    content   text NOT NULL,
    stored_at timestamptz NOT NULL,
    stored_by text NOT NULL,
    feed_xid  xid8 NOT NULL,
    feed_seq  bigint NOT NULL UNIQUE,
    PRIMARY KEY (name, version)
);
CREATE INDEX reference_files_feed ON reference_files (feed_xid, feed_seq);

-- The next version of a reference file is one more than the last; concurrent imports of
-- the same file queue on an advisory lock instead of failing on the primary key.
CREATE FUNCTION tsur_next_reference_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tsur reference ' || NEW.name));
    -- The caller reads every version (reference files are not scoped), so max() is true.
    SELECT coalesce(max(version), 0) + 1 INTO NEW.version FROM public.reference_files WHERE name = NEW.name;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Triggers. ENABLE ALWAYS: they fire even under session_replication_role = replica, the
-- superuser's usual way around triggers. TRUNCATE skips row triggers, so it has its own.
-- ---------------------------------------------------------------------------------------
CREATE TRIGGER appeals_feed BEFORE INSERT ON appeals FOR EACH ROW EXECUTE FUNCTION tsur_stamp_feed();
CREATE TRIGGER events_feed BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION tsur_stamp_feed();
CREATE TRIGGER reference_files_version BEFORE INSERT ON reference_files FOR EACH ROW EXECUTE FUNCTION tsur_next_reference_version();
CREATE TRIGGER reference_files_feed BEFORE INSERT ON reference_files FOR EACH ROW EXECUTE FUNCTION tsur_stamp_feed();
ALTER TABLE appeals ENABLE ALWAYS TRIGGER appeals_feed;
ALTER TABLE events ENABLE ALWAYS TRIGGER events_feed;
ALTER TABLE reference_files ENABLE ALWAYS TRIGGER reference_files_version;
ALTER TABLE reference_files ENABLE ALWAYS TRIGGER reference_files_feed;

DO $append_only$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['appeals', 'events', 'reference_files'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION tsur_refuse_rewrite()',
                       t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION tsur_refuse_rewrite()',
                       t || '_never_truncated', t);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I', t, t || '_append_only');
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I', t, t || '_never_truncated');
    END LOOP;
END
$append_only$;

-- An appeal never comes alone: by the end of its transaction it has its projection row
-- (otherwise it would be visible to nobody, since visibility is decided by that row).
CREATE FUNCTION tsur_appeal_has_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.appeal_state WHERE appeal_id = NEW.id) THEN
        RAISE EXCEPTION 'обращение % записано без состояния (appeal_state)', NEW.id USING ERRCODE = 'TS002';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER appeals_have_state AFTER INSERT ON appeals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tsur_appeal_has_state();
ALTER TABLE appeals ENABLE ALWAYS TRIGGER appeals_have_state;

-- ---------------------------------------------------------------------------------------
-- Privileges: which commands each role may run at all (row-level security below decides
-- on which rows). No role has UPDATE or DELETE on history, nor any privilege on
-- user_grants beyond reading its own row.
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON user_grants, appeals, appeal_authors, events, appeal_state, reference_files FROM PUBLIC;
REVOKE ALL ON SEQUENCE feed_seq FROM PUBLIC;
REVOKE ALL ON FUNCTION tsur_session_grant() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION tsur_session_grant() TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible,
    tsur_block_head, tsur_media, tsur_municipal_officer, tsur_wall;
GRANT SELECT ON user_grants, reference_files, appeal_state TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible,
    tsur_block_head, tsur_media, tsur_municipal_officer, tsur_wall;
-- Free text of appeals and the history: everyone but the wall (aggregates only).
GRANT SELECT ON appeals, events TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible,
    tsur_block_head, tsur_media, tsur_municipal_officer;
-- Personal data: those who work the appeal with the citizen. Never the block head, the
-- media or the wall.
GRANT SELECT ON appeal_authors TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible, tsur_municipal_officer;
-- Registration of appeals (with their author and first state).
GRANT INSERT ON appeals, appeal_authors, appeal_state TO tsur_curator, tsur_deputy, tsur_operator;
-- Events (classification, assignment, answers, moderation…), and the projection they move.
GRANT INSERT ON events TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible, tsur_municipal_officer;
GRANT UPDATE ON appeal_state TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible, tsur_municipal_officer;
GRANT USAGE ON SEQUENCE feed_seq TO tsur_curator, tsur_deputy, tsur_operator, tsur_block_responsible, tsur_municipal_officer;
-- Reference books: the operator (the IT ministry) keeps them.
GRANT INSERT ON reference_files TO tsur_operator;

-- ---------------------------------------------------------------------------------------
-- Row-level security. FORCE: the owner is bound too; only superusers and BYPASSRLS roles
-- are not (the administrator must not hold either for daily work). user_grants is not
-- forced, because the owner administers it and tsur_session_grant reads it as the owner.
-- ---------------------------------------------------------------------------------------
ALTER TABLE user_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE appeals ENABLE ROW LEVEL SECURITY;
ALTER TABLE appeals FORCE ROW LEVEL SECURITY;
ALTER TABLE appeal_authors ENABLE ROW LEVEL SECURITY;
ALTER TABLE appeal_authors FORCE ROW LEVEL SECURITY;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
ALTER TABLE appeal_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE appeal_state FORCE ROW LEVEL SECURITY;
ALTER TABLE reference_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE reference_files FORCE ROW LEVEL SECURITY;

CREATE POLICY own_grant ON user_grants FOR SELECT USING (login = session_user);

-- The projection decides: an appeal is in scope when its state's block and municipality are.
CREATE POLICY in_scope ON appeal_state FOR SELECT
    USING (tsur_grant_covers((SELECT tsur_session_grant()), block_id, municipality_id));
CREATE POLICY register_in_scope ON appeal_state FOR INSERT
    WITH CHECK (tsur_grant_covers((SELECT tsur_session_grant()), block_id, municipality_id));
-- USING: only rows in scope can be updated; WITH CHECK: an update cannot move an appeal out
-- of the writer's scope (a redirection to another block is written by someone whose scope
-- covers both).
CREATE POLICY update_in_scope ON appeal_state FOR UPDATE
    USING (tsur_grant_covers((SELECT tsur_session_grant()), block_id, municipality_id))
    WITH CHECK (tsur_grant_covers((SELECT tsur_session_grant()), block_id, municipality_id));

-- Appeals, events and authors follow their appeal's state. The subquery is itself under
-- appeal_state's policy, and repeats the check so that this file reads on its own.
CREATE POLICY in_scope ON appeals FOR SELECT
    USING (EXISTS (SELECT 1 FROM appeal_state s
                   WHERE s.appeal_id = appeals.id
                     AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));
-- A new appeal has no state yet: its municipality must be in scope (its block is checked
-- when its state is inserted, in the same transaction: see appeals_have_state).
CREATE POLICY register_in_scope ON appeals FOR INSERT
    WITH CHECK (tsur_grant_covers_municipality((SELECT tsur_session_grant()), municipality_id));

CREATE POLICY in_scope ON events FOR SELECT
    USING (EXISTS (SELECT 1 FROM appeal_state s
                   WHERE s.appeal_id = events.appeal_id
                     AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));
CREATE POLICY write_in_scope ON events FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM appeal_state s
                        WHERE s.appeal_id = events.appeal_id
                          AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));

CREATE POLICY in_scope ON appeal_authors FOR SELECT
    USING (EXISTS (SELECT 1 FROM appeal_state s
                   WHERE s.appeal_id = appeal_authors.appeal_id
                     AND tsur_grant_covers((SELECT tsur_session_grant()), s.block_id, s.municipality_id)));
-- An author is written only with their appeal, in the transaction that registers it and
-- after its state (so the appeal is visible to the writer, hence in scope): personal data
-- cannot be attached to somebody else's appeal later.
CREATE POLICY register_in_scope ON appeal_authors FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM appeals a
                        WHERE a.id = appeal_authors.appeal_id
                          AND a.feed_xid = pg_current_xact_id()));

-- Reference books are not scoped, but only a valid grant reads them.
CREATE POLICY read_with_grant ON reference_files FOR SELECT USING (((SELECT tsur_session_grant())).role IS NOT NULL);
CREATE POLICY insert_with_grant ON reference_files FOR INSERT WITH CHECK (((SELECT tsur_session_grant())).role IS NOT NULL);
