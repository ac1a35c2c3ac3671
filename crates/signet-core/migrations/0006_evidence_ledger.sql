-- The evidence of opt-in signatures: an append-only, hash-chained ledger. Each
-- record's hash covers its fields and the previous record's hash, so an altered,
-- removed or reordered record breaks the chain at its position. Records are kept at
-- least five years; the triggers below refuse every UPDATE and DELETE, so Signet
-- has no way to remove one at all.
CREATE TABLE evidence_ledger (
    seq         INTEGER PRIMARY KEY,   -- position: 1, 2, 3, ... with no gaps
    kind        TEXT NOT NULL,         -- acceptance, provider_response
    session_id  TEXT NOT NULL,
    debt_key    TEXT NOT NULL,
    cpf         TEXT NOT NULL,         -- digits only
    body        TEXT NOT NULL,         -- JSON, hashed exactly as stored
    recorded_at TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,         -- hex SHA-256 of the record before (zeros for the first)
    hash        TEXT NOT NULL
);
CREATE INDEX evidence_by_session ON evidence_ledger (session_id);
CREATE INDEX evidence_by_debt ON evidence_ledger (debt_key);
CREATE INDEX evidence_by_cpf ON evidence_ledger (cpf);
CREATE TRIGGER evidence_ledger_no_update BEFORE UPDATE ON evidence_ledger
BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only: a record cannot be changed'); END;
CREATE TRIGGER evidence_ledger_no_delete BEFORE DELETE ON evidence_ledger
BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only: records are kept at least five years'); END;

-- What the records point at by hash: the contract PDF and its extracted text.
CREATE TABLE evidence_files (
    sha256   TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    bytes    BLOB NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TRIGGER evidence_files_no_update BEFORE UPDATE ON evidence_files
BEGIN SELECT RAISE(ABORT, 'evidence files cannot be changed'); END;
CREATE TRIGGER evidence_files_no_delete BEFORE DELETE ON evidence_files
BEGIN SELECT RAISE(ABORT, 'evidence files are kept at least five years'); END;

-- The latest record's position and hash, signed with the installation's Ed25519
-- key (kept in the OS keyring): removing records from the end shows as a head
-- that points past the last record.
CREATE TABLE evidence_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    public_key TEXT NOT NULL,          -- base64
    signature  TEXT NOT NULL           -- base64 Ed25519 over "signet-evidence-head-v1\n<seq>\n<hash>"
);
CREATE TRIGGER evidence_head_no_delete BEFORE DELETE ON evidence_head
BEGIN SELECT RAISE(ABORT, 'the evidence ledger head cannot be removed'); END;
CREATE TRIGGER evidence_head_forward_only BEFORE UPDATE ON evidence_head WHEN NEW.seq <= OLD.seq
BEGIN SELECT RAISE(ABORT, 'the evidence ledger head only moves forward'); END;
