-- MemberDesk schema on PostgreSQL, step 16 (as migrations/0016_name_pieces.sql): a piece of
-- a name up to 4 characters is found by its own key. The 3- and 4-character pieces of the
-- names already in, lower-cased and without spaces.
INSERT INTO member_name_grams (gram, member_id)
SELECT DISTINCT substr(n.s, p.pos, l.len), n.id
FROM (SELECT id, lower(replace(replace(name, ' ', ''), '　', '')) AS s FROM members
      WHERE id IN (SELECT member_id FROM member_name_grams)) n
CROSS JOIN (VALUES (3), (4)) AS l(len)
CROSS JOIN LATERAL generate_series(1, length(n.s) - l.len + 1) AS p(pos)
ON CONFLICT DO NOTHING;
