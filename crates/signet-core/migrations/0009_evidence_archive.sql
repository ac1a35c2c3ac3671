-- The evidence archive: every object Signet puts in the S3 Object Lock bucket is
-- planned here first, with its bytes, in one transaction with what it is made
-- from; then written with If-None-Match. A desk killed in between finds the
-- object pending and writes it once (an object already there with the same
-- SHA-256 counts as written). The bytes are dropped once the bucket has them.
CREATE TABLE archive_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('record', 'file', 'dossier', 'checkpoint')),
    -- A record's position; a dossier's or checkpoint's last position.
    seq          INTEGER,
    -- For a record: the ledger kind (receipts of the archive itself are not receipted again).
    record_kind  TEXT,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB,
    retain_until TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'archived', 'conflict')),
    version_id   TEXT,
    receipted    INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    queued_at    TEXT NOT NULL,
    archived_at  TEXT
);
CREATE INDEX archive_log_pending ON archive_log (state, id);
