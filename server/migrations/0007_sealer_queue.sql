-- The sealer works from a queue instead of a time cutoff (server/src/sealer.rs).
--
-- The posting function writes, in the statement that inserts the movements, one row per movement
-- here. The sealer reads this table, which it can only see through committed transactions: it
-- seals exactly the movements whose transactions ended with a commit, whatever their order or how
-- long they stayed open, then deletes their rows. A movement whose transaction is still open is
-- invisible until it commits, and is sealed then, after the ones already chained: the chain
-- numbers its own links, so its order need not be `sequence` order.
--
-- No foreign key: rows are written in the same statement as their movements, and the sealer joins
-- them to the movements anyway (a key would only add a check to every posting).
CREATE TABLE movements_unsealed (
    sequence bigint PRIMARY KEY
);

-- Movements of before this migration that the old sealer had not chained yet.
INSERT INTO movements_unsealed (sequence)
SELECT m.sequence FROM movements m
WHERE NOT EXISTS (SELECT 1 FROM movement_seals s WHERE s.sequence = m.sequence);
