-- Activity's search index (0007) is now filled just before a transaction commits
-- (Store::atomically; a bulk run's commits in batches), instead of by the insert trigger. Filled by the
-- trigger, the index held the new operation in memory, and the next statement of the
-- same transaction that opened a statement savepoint (any UPDATE with a trigger or a
-- foreign key, such as linking a bulk row) made SQLite write it out as a segment of
-- its own and merge segments: once per row, about a quarter of a bulk run's CPU.
-- New operations wait in this list until then; a search also looks at the list, so
-- every committed operation is found, indexed or not.
CREATE TABLE operations_unindexed (key TEXT PRIMARY KEY) WITHOUT ROWID;

DROP TRIGGER operations_search_insert;
CREATE TRIGGER operations_search_insert AFTER INSERT ON operations BEGIN
    INSERT OR IGNORE INTO operations_unindexed (key) VALUES (new.key);
END;

DROP TRIGGER operations_search_delete;
CREATE TRIGGER operations_search_delete AFTER DELETE ON operations BEGIN
    DELETE FROM operations_search WHERE key = old.key;
    DELETE FROM operations_unindexed WHERE key = old.key;
END;

DROP TRIGGER operations_search_update;
CREATE TRIGGER operations_search_update AFTER UPDATE OF key, subject, kind ON operations BEGIN
    DELETE FROM operations_search WHERE key = old.key;
    DELETE FROM operations_unindexed WHERE key = old.key;
    INSERT OR IGNORE INTO operations_unindexed (key) VALUES (new.key);
END;
