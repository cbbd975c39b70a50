-- MemberDesk schema, step 8 (PostgreSQL): a survey's 0–10 recommend score (rules §13),
-- and the pinyin lookup indexes made usable for range comparisons.

ALTER TABLE interactions ADD COLUMN score BIGINT CHECK (score BETWEEN 0 AND 10);
CREATE INDEX interactions_scored ON interactions(on_date) WHERE score IS NOT NULL;

-- The pinyin lookups compare ranges (`name_pinyin >= 'zs' AND name_pinyin < 'zs\x7f'`), as
-- on SQLite. A text_pattern_ops index serves LIKE only, and the server's collation need not
-- be bytewise: these two columns are ASCII keys, compared in the "C" collation with plain
-- indexes.
DROP INDEX members_initials;
DROP INDEX members_pinyin;
ALTER TABLE members
    ALTER COLUMN name_initials TYPE TEXT COLLATE "C",
    ALTER COLUMN name_pinyin TYPE TEXT COLLATE "C";
CREATE INDEX members_initials ON members(name_initials);
CREATE INDEX members_pinyin ON members(name_pinyin);
