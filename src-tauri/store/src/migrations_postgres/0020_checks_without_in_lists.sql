-- MemberDesk schema on PostgreSQL, step 20: nothing to change. SQLite's step 20 writes each
-- CHECK that names three or more allowed values with `=` and `OR` instead of `IN (…)`
-- (SQLite builds a temporary B-tree of an `IN` list on every execution of an INSERT);
-- PostgreSQL compares a value with an `IN` list in place, and the rows allowed are the same
-- on both engines.
SELECT 1 WHERE false;
