-- MemberDesk schema, step 18: nothing to change on SQLite. PostgreSQL's step 18 puts the
-- member id into the indexes of the phone's last 4 and of the name, so that a lookup reads
-- its first 20 members in member order and stops; a SQLite index ends in the row id
-- already, and the lookups' plans read it so (store::members' pinned plans).
SELECT 1 WHERE 0;
