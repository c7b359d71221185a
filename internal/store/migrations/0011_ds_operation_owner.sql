-- The replica that runs a catalog operation's worker. A replica starting
-- again fails only its own unfinished operations, and a replica taking
-- over a stopped one fails that one's; the others' workers run on.
-- Operations stored before this column ('') had no replicas to share with.
ALTER TABLE ds_operations ADD COLUMN instance text NOT NULL DEFAULT '';
