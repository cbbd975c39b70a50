-- MemberDesk schema, step 15: the pinyin lookups read their prefix in member order.
-- A lookup by pinyin asks `name_initials` (or `name_pinyin`) in a prefix range, ordered by
-- the key and then the member id, and stops at the limit. SQLite's indexes on those columns
-- already end in the rowid (the member id), so they give that order as they stand: the same
-- index, rebuilt as (key, id) so that both engines name the same columns.
DROP INDEX members_initials;
CREATE INDEX members_initials ON members(name_initials, id);
DROP INDEX members_pinyin;
CREATE INDEX members_pinyin ON members(name_pinyin, id);
