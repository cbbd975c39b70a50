-- MemberDesk schema on PostgreSQL, step 19: nothing to change. SQLite's step 19 turns the
-- members' UNIQUE constraints (member number, phone, referral code) into named unique
-- indexes, so that a bulk load can set them aside and build them sorted at the end; the
-- keys refuse the same duplicates on both engines, and a PostgreSQL import writes its
-- members row by row with every index in place.
SELECT 1 WHERE false;
