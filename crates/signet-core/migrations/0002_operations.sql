-- Every provider operation, written before any network I/O and updated after, so a
-- crash or a lost connection leaves it pending or unknown, never gone.
CREATE TABLE operations (
    key        TEXT PRIMARY KEY,   -- the operation key an "outcome unknown" reports
    area       TEXT NOT NULL,      -- payments, signatures, kyc, optin, signzy
    kind       TEXT NOT NULL,      -- e.g. payment_request.send
    profile_id TEXT NOT NULL,
    subject    TEXT NOT NULL,      -- what it is about: invoice GUID, spi, customer, debt, contract
    request    TEXT NOT NULL,      -- JSON summary of what was sent; never a secret
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
    response   TEXT,               -- JSON: the provider's answer, or the error
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX operations_by_subject ON operations (area, subject, created_at);
CREATE INDEX operations_by_time ON operations (created_at);
