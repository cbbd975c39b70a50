-- MemberDesk schema on PostgreSQL, step 15 (as migrations/0015_pinyin_order.sql): the
-- pinyin lookups read their prefix in member order. A lookup by pinyin asks `name_initials`
-- (or `name_pinyin`) in a prefix range, ordered by the key and then the member id, and stops
-- at the limit. An index on the key alone holds equal keys in no useful order, so every
-- member of a common prefix (406 "zs" among 200,000 members) was read and sorted to return
-- 20; with the id in the index the read stops at the limit.
DROP INDEX members_initials;
CREATE INDEX members_initials ON members(name_initials, id);
DROP INDEX members_pinyin;
CREATE INDEX members_pinyin ON members(name_pinyin, id);
