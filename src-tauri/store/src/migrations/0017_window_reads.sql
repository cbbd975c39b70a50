-- MemberDesk schema, step 17: the tier run and the screening read a window's interactions
-- from an index alone. Grouping a year of interactions by member read each one's row for its
-- member (1.9 s of a 7 s tier run on the 1,000,000-member store, docs/performance.md); the
-- day and the member in one index hold all that query needs, and serve whatever read the
-- index by day alone.
CREATE INDEX IF NOT EXISTS interactions_day_member ON interactions(on_date, member_id);
DROP INDEX IF EXISTS interactions_on_date;
