-- MemberDesk schema on PostgreSQL, step 18 (as migrations/0018_lookups_in_member_order.sql):
-- the front desk's lookups of a last 4 and of an exact name give their first 20 members in
-- member order. With the member id in the index the scan reads them in that order and
-- stops at the 20th; on the phone's last 4 alone, or the name alone, it read every member
-- with that key (100 rows of a last 4, up to 260 of a common name at 1,000,000 members),
-- each from a random heap page, and sorted them (docs/performance.md, issue 13). A
-- name's prefix lookups still read the index by its first column.
DROP INDEX IF EXISTS members_phone_last4;
CREATE INDEX members_phone_last4 ON members(phone_last4, id);
DROP INDEX IF EXISTS members_name;
CREATE INDEX members_name ON members(name text_pattern_ops, id);
