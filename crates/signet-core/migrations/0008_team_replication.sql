-- Team mode: the desk's SQLite stays its own record and is written first; what a
-- team profile does reaches the team's PostgreSQL from here. Every change to a
-- replicated row queues its key in the same transaction (triggers), so nothing is
-- missed, in order, whatever kills the desk between the write and the push.

-- Profiles in team mode (their operations replicate; the evidence ledger does as
-- soon as any profile is).
CREATE TABLE team_profiles (
    profile_id TEXT PRIMARY KEY
);

-- Keys waiting to be pushed, oldest first. A row is removed only after the team
-- store committed it; pushing it twice is harmless (upserts by key).
CREATE TABLE team_queue (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('operation', 'evidence', 'bulk_run', 'followed_signature', 'override')),
    key    TEXT NOT NULL
);

-- The business key an operation claimed team-wide (JSON {scope, key, again}), so a
-- send retried later claims the same key, and an override made while the team store
-- was unreachable can be recorded there once it is back.
ALTER TABLE operations ADD COLUMN claim TEXT;

CREATE TABLE team_overrides (
    operation_key TEXT PRIMARY KEY REFERENCES operations(key),
    scope         TEXT NOT NULL,
    business_key  TEXT NOT NULL,
    at            TEXT NOT NULL,
    note          TEXT NOT NULL
);

CREATE TRIGGER team_queue_operation_insert AFTER INSERT ON operations
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('operation', NEW.key); END;
CREATE TRIGGER team_queue_operation_update AFTER UPDATE ON operations
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('operation', NEW.key); END;
CREATE TRIGGER team_queue_evidence AFTER INSERT ON evidence_ledger
WHEN EXISTS (SELECT 1 FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('evidence', CAST(NEW.seq AS TEXT)); END;
CREATE TRIGGER team_queue_bulk_insert AFTER INSERT ON bulk_runs
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('bulk_run', NEW.id); END;
CREATE TRIGGER team_queue_bulk_update AFTER UPDATE ON bulk_runs
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('bulk_run', NEW.id); END;
CREATE TRIGGER team_queue_followed_insert AFTER INSERT ON tracked_signatures
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('followed_signature', NEW.profile_id || '/' || NEW.spi_request_uuid); END;
CREATE TRIGGER team_queue_followed_update AFTER UPDATE ON tracked_signatures
WHEN NEW.profile_id IN (SELECT profile_id FROM team_profiles)
BEGIN INSERT INTO team_queue (entity, key) VALUES ('followed_signature', NEW.profile_id || '/' || NEW.spi_request_uuid); END;
CREATE TRIGGER team_queue_override AFTER INSERT ON team_overrides
BEGIN INSERT INTO team_queue (entity, key) VALUES ('override', NEW.operation_key); END;
