-- Bulk sends: the rows of an imported file, each linked to its operation the moment
-- it is recorded (same transaction), so a run killed at any point resumes without
-- sending a row twice or losing one.
CREATE TABLE bulk_runs (
    id            TEXT PRIMARY KEY,
    profile_id    TEXT NOT NULL,
    source        TEXT NOT NULL,   -- the file's name, for people
    source_sha256 TEXT NOT NULL,   -- the same file resumes the same run
    state         TEXT NOT NULL CHECK (state IN ('open', 'cancelled', 'done')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX bulk_runs_by_source ON bulk_runs (profile_id, source_sha256, state);

CREATE TABLE bulk_rows (
    run_id        TEXT NOT NULL REFERENCES bulk_runs(id) ON DELETE CASCADE,
    row_no        INTEGER NOT NULL,          -- the file's line number
    department    TEXT NOT NULL,
    request       TEXT NOT NULL,             -- the payment request body, JSON
    problem       TEXT,                      -- why the row is not sent (bad input)
    operation_key TEXT REFERENCES operations(key),
    PRIMARY KEY (run_id, row_no)
);
