-- Activity's text search: a trigram index over each operation's subject, kind and
-- key, so finding an invoice among 100,000 operations does not scan them all (a
-- LIKE '%...%' scan took 175 ms there). Keyed by the operation key, not the rowid,
-- which VACUUM may renumber. Triggers keep it in step; keys and subjects never
-- change after insert, but an update is followed all the same.
CREATE VIRTUAL TABLE operations_search USING fts5(key UNINDEXED, text, tokenize = 'trigram');
INSERT INTO operations_search (key, text) SELECT key, subject || ' ' || kind || ' ' || key FROM operations;

CREATE TRIGGER operations_search_insert AFTER INSERT ON operations BEGIN
    INSERT INTO operations_search (key, text) VALUES (new.key, new.subject || ' ' || new.kind || ' ' || new.key);
END;
CREATE TRIGGER operations_search_delete AFTER DELETE ON operations BEGIN
    DELETE FROM operations_search WHERE key = old.key;
END;
CREATE TRIGGER operations_search_update AFTER UPDATE OF key, subject, kind ON operations BEGIN
    DELETE FROM operations_search WHERE key = old.key;
    INSERT INTO operations_search (key, text) VALUES (new.key, new.subject || ' ' || new.kind || ' ' || new.key);
END;
