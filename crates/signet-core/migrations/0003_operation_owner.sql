-- Which process was sending an operation, so one that died mid-send can be told
-- apart from one still in flight in another process (the desk and the CLI share
-- the database).
ALTER TABLE operations ADD COLUMN owner_pid INTEGER;
CREATE INDEX operations_by_status ON operations (status);
