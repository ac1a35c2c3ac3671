-- Signet's team store, schema 1. Applied by `signet team init` as the owner (IT's
-- admin role); desks connect as login roles that belong to signet_operator or
-- signet_supervisor and are listed in signet.members with their branch. Row-level
-- security decides what each desk sees and may write: its own branch, or every
-- branch for a supervisor. Plain SQL, no extensions beyond pg_trgm, no advisory
-- locks: unique constraints decide, so a PostgreSQL-compatible distributed database
-- can run it (see docs/TEAM.md).
CREATE SCHEMA IF NOT EXISTS signet;

CREATE TABLE signet.schema_version (
    version integer NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Who a login role is: its branch, and whether it sees every branch.
CREATE TABLE signet.members (
    role_name  text PRIMARY KEY,
    branch     text NOT NULL,
    supervisor boolean NOT NULL DEFAULT false
);

CREATE TABLE signet.desks (
    desk_id     uuid PRIMARY KEY,
    name        text NOT NULL,
    branch      text NOT NULL,
    operator    text NOT NULL,
    app_version text NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);

-- The cross-desk duplicate guard: one row per send of a business key (an invoice,
-- a capture, a KYC customer, a debt, a contract). The unique constraint is the
-- decision: a second desk's first attempt collides with the first desk's.
CREATE TABLE signet.claims (
    id               bigserial PRIMARY KEY,
    scope            text NOT NULL,
    business_key     text NOT NULL,
    attempt          integer NOT NULL CHECK (attempt >= 1),
    desk_id          uuid NOT NULL,
    desk_name        text NOT NULL,
    operator         text NOT NULL,
    branch           text NOT NULL,
    operation_key    text NOT NULL,
    claimed_at       timestamptz NOT NULL DEFAULT now(),
    -- Sent again on purpose after the earlier claim was shown.
    deliberate       boolean NOT NULL DEFAULT false,
    -- Sent while the team store could not be reached, recorded on reconnection.
    offline_override boolean NOT NULL DEFAULT false,
    note             text NOT NULL DEFAULT '',
    UNIQUE (scope, business_key, attempt)
);
CREATE INDEX claims_by_time ON signet.claims (claimed_at DESC);

CREATE TABLE signet.operations (
    desk_id    uuid NOT NULL,
    key        text NOT NULL,
    branch     text NOT NULL,
    operator   text NOT NULL,
    desk_name  text NOT NULL,
    area       text NOT NULL,
    kind       text NOT NULL,
    subject    text NOT NULL,
    status     text NOT NULL,
    request    jsonb NOT NULL,
    response   jsonb,
    attempts   integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    search     text NOT NULL,
    PRIMARY KEY (desk_id, key)
);
CREATE INDEX operations_by_time ON signet.operations (created_at DESC, key);
CREATE INDEX operations_by_branch ON signet.operations (branch, created_at DESC);
CREATE INDEX operations_by_desk ON signet.operations (desk_id, created_at DESC);
CREATE INDEX operations_by_operator ON signet.operations (operator, created_at DESC);
CREATE INDEX operations_by_status ON signet.operations (status, created_at DESC);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX operations_search ON signet.operations USING gin (search gin_trgm_ops);
-- A whole invoice, customer, debt or operation key pasted into the search box.
CREATE INDEX operations_by_subject ON signet.operations (subject);
CREATE INDEX operations_by_key ON signet.operations (key);

CREATE TABLE signet.evidence (
    desk_id     uuid NOT NULL,
    seq         bigint NOT NULL,
    branch      text NOT NULL,
    kind        text NOT NULL,
    session_id  text NOT NULL,
    debt_key    text NOT NULL,
    body        jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    PRIMARY KEY (desk_id, seq)
);
CREATE INDEX evidence_by_session ON signet.evidence (session_id);

CREATE TABLE signet.bulk_runs (
    desk_id    uuid NOT NULL,
    id         text NOT NULL,
    branch     text NOT NULL,
    operator   text NOT NULL,
    source     text NOT NULL,
    state      text NOT NULL,
    rows_total integer NOT NULL,
    rows_sent  integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (desk_id, id)
);

CREATE TABLE signet.followed_signatures (
    desk_id          uuid NOT NULL,
    spi_request_uuid text NOT NULL,
    branch           text NOT NULL,
    label            text NOT NULL,
    added_at         timestamptz NOT NULL,
    signed           boolean,
    PRIMARY KEY (desk_id, spi_request_uuid)
);

-- The calling desk's branch and role, from signet.members. SECURITY DEFINER so a
-- desk need not read the members table itself; session_user is the login role.
CREATE FUNCTION signet.my_branch() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = signet, pg_temp AS
$$ SELECT branch FROM signet.members WHERE role_name = session_user $$;
CREATE FUNCTION signet.is_supervisor() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = signet, pg_temp AS
$$ SELECT coalesce((SELECT supervisor FROM signet.members WHERE role_name = session_user), false) $$;

-- Who holds a business key now: the latest claim, whatever branch made it. The
-- refusal a second desk gets names that desk, operator and time; nothing else of
-- another branch is visible.
CREATE FUNCTION signet.claim_holder(p_scope text, p_key text)
RETURNS TABLE (attempt integer, desk_id text, desk_name text, operator text, branch text, operation_key text, claimed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = signet, pg_temp AS
$$ SELECT attempt, desk_id::text, desk_name, operator, branch, operation_key, claimed_at FROM signet.claims
   WHERE scope = p_scope AND business_key = p_key ORDER BY attempt DESC LIMIT 1 $$;

-- Text search over the team's operations. Row-level security hides a table's
-- rows before any user condition that is not leakproof is applied, so ILIKE could
-- never use the trigram index through it: a million rows were scanned. This
-- function applies the same visibility rule itself (the caller's branch, or every
-- branch for a supervisor) and runs as the owner, so the index is used.
CREATE FUNCTION signet.search_operations(p_pattern text, p_branch text, p_desk text, p_operator text, p_status text, p_limit integer, p_offset integer)
RETURNS SETOF signet.operations
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = signet, pg_temp AS $$
DECLARE
    sql text := 'SELECT * FROM signet.operations WHERE search ILIKE $1';
    supervisor boolean := signet.is_supervisor();
    mine text := signet.my_branch();
BEGIN
    IF NOT supervisor THEN
        IF mine IS NULL THEN RETURN; END IF;
        sql := sql || ' AND branch = $2';
    END IF;
    IF p_branch IS NOT NULL THEN sql := sql || ' AND branch = $3'; END IF;
    IF p_desk IS NOT NULL THEN sql := sql || ' AND desk_name = $4'; END IF;
    IF p_operator IS NOT NULL THEN sql := sql || ' AND operator = $5'; END IF;
    IF p_status IS NOT NULL THEN sql := sql || ' AND status = $6'; END IF;
    sql := sql || ' ORDER BY created_at DESC, key LIMIT $7 OFFSET $8';
    RETURN QUERY EXECUTE sql USING p_pattern, mine, p_branch, p_desk, p_operator, p_status, p_limit, p_offset;
END $$;

-- Roles belong to the cluster, not the database: another team database on the same
-- server finds them already there.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'signet_operator') THEN
        CREATE ROLE signet_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'signet_supervisor') THEN
        CREATE ROLE signet_supervisor NOLOGIN IN ROLE signet_operator;
    END IF;
END $$;
GRANT USAGE ON SCHEMA signet TO signet_operator;
GRANT SELECT ON signet.schema_version TO signet_operator;
GRANT SELECT, INSERT, UPDATE ON signet.desks, signet.claims, signet.operations, signet.evidence, signet.bulk_runs, signet.followed_signatures TO signet_operator;
GRANT USAGE ON SEQUENCE signet.claims_id_seq TO signet_operator;
-- Functions are open to every role unless said otherwise; these are for members.
REVOKE EXECUTE ON FUNCTION signet.my_branch(), signet.is_supervisor(), signet.claim_holder(text, text),
    signet.search_operations(text, text, text, text, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION signet.my_branch(), signet.is_supervisor(), signet.claim_holder(text, text),
    signet.search_operations(text, text, text, text, text, integer, integer) TO signet_operator;

-- Row-level security: read your branch (a supervisor, every branch); write only
-- rows of your own branch. The functions are wrapped in scalar subqueries so that
-- each runs once per query, not once per row (a page of a million rows stays fast).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['desks', 'claims', 'operations', 'evidence', 'bulk_runs', 'followed_signatures'] LOOP
        EXECUTE format('ALTER TABLE signet.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY read_branch ON signet.%I FOR SELECT USING ((SELECT signet.is_supervisor()) OR branch = (SELECT signet.my_branch()))', t);
        EXECUTE format('CREATE POLICY insert_own_branch ON signet.%I FOR INSERT WITH CHECK (branch = (SELECT signet.my_branch()))', t);
        EXECUTE format('CREATE POLICY update_own_branch ON signet.%I FOR UPDATE USING (branch = (SELECT signet.my_branch())) WITH CHECK (branch = (SELECT signet.my_branch()))', t);
    END LOOP;
END $$;

INSERT INTO signet.schema_version (version) VALUES (1);
