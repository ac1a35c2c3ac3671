-- Operations that never reached the provider (no connection) wait for the network
-- and are sent again by Signet itself: a new status 'waiting', how many tries so
-- far, and when the next is due. SQLite cannot change a CHECK in place, so the
-- table is rebuilt (foreign keys are off while migrations run; checked after).
CREATE TABLE operations_new (
    key        TEXT PRIMARY KEY,
    area       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    subject    TEXT NOT NULL,
    request    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown', 'waiting')),
    response   TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    owner_pid  INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 1,
    retry_at   TEXT
);
INSERT INTO operations_new (key, area, kind, profile_id, subject, request, status, response, created_at, updated_at, owner_pid)
    SELECT key, area, kind, profile_id, subject, request, status, response, created_at, updated_at, owner_pid FROM operations ORDER BY rowid;
DROP TABLE operations;
ALTER TABLE operations_new RENAME TO operations;
CREATE INDEX operations_by_subject ON operations (area, subject, created_at);
CREATE INDEX operations_by_time ON operations (created_at);
CREATE INDEX operations_by_status ON operations (status);
CREATE INDEX operations_due ON operations (status, retry_at);

-- myKaarma signature requests the operator follows from the Signatures screen,
-- with the last answer of "get SignatureRequest" so the list shows without a call.
CREATE TABLE tracked_signatures (
    profile_id TEXT NOT NULL,
    spi_request_uuid TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    last_seen TEXT,
    checked_at TEXT,
    PRIMARY KEY (profile_id, spi_request_uuid)
);
