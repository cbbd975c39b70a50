-- MemberDesk schema, step 19: the members' unique keys (member number, phone, referral
-- code) become named unique indexes instead of the table's UNIQUE constraints. They refuse
-- a second member with the same key exactly as before; what changes is that a bulk load
-- of members (a large members import, the demo) can set them aside with the table's other
-- indexes and build them sorted once at the end, where each of a million members had gone
-- to a random place in two B-trees of a million entries (docs/performance.md, issue 13).
-- SQLite drops a UNIQUE constraint by rebuilding the table (its documented procedure:
-- foreign keys are off while migrations run). Every member keeps its id, so every
-- reference to a member still holds; the columns keep their order; the trigger on
-- receipts that names members is made again.
DROP TRIGGER receipts_sale_visits;
CREATE TABLE members_new (
    id                INTEGER PRIMARY KEY,
    member_no         TEXT NOT NULL,
    name              TEXT NOT NULL,
    gender            TEXT NOT NULL CHECK (gender IN ('F', 'M', 'unknown')),
    phone             TEXT,
    phone_last4       TEXT,
    birthday_calendar TEXT CHECK (birthday_calendar IN ('solar', 'lunar')),
    birthday_year     INTEGER,
    birthday_month    INTEGER,
    birthday_day      INTEGER,
    birthday_leap     INTEGER NOT NULL DEFAULT 0,
    joined_on         TEXT NOT NULL,
    referral_code     TEXT NOT NULL,
    referred_by       INTEGER REFERENCES members(id),
    contact_ok        INTEGER NOT NULL DEFAULT 1,
    vip               INTEGER NOT NULL DEFAULT 0,
    notes             TEXT NOT NULL DEFAULT '',
    tier              TEXT NOT NULL DEFAULT 'regular' CHECK (tier IN ('regular', 'active', 'core', 'loyal')),
    points_balance    INTEGER NOT NULL DEFAULT 0,
    name_initials     TEXT NOT NULL DEFAULT '',
    name_pinyin       TEXT NOT NULL DEFAULT '',
    archived          INTEGER NOT NULL DEFAULT 0,
    merged_into       INTEGER REFERENCES members(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    first_sale_id     INTEGER REFERENCES receipts(id),
    last_sale_date    TEXT,
    erased_at         TEXT,
    first_sale_date   TEXT,
    card_code         TEXT,
    sv_principal_fen  INTEGER NOT NULL DEFAULT 0 CHECK (sv_principal_fen >= 0),
    sv_bonus_fen      INTEGER NOT NULL DEFAULT 0 CHECK (sv_bonus_fen >= 0),
    sv_pin_hash       TEXT,
    sv_pin_fails      INTEGER NOT NULL DEFAULT 0,
    sv_pin_failed_on  TEXT
) STRICT;
INSERT INTO members_new (id, member_no, name, gender, phone, phone_last4, birthday_calendar, birthday_year,
    birthday_month, birthday_day, birthday_leap, joined_on, referral_code, referred_by, contact_ok, vip, notes, tier,
    points_balance, name_initials, name_pinyin, archived, merged_into, created_at, updated_at, first_sale_id,
    last_sale_date, erased_at, first_sale_date, card_code, sv_principal_fen, sv_bonus_fen, sv_pin_hash, sv_pin_fails,
    sv_pin_failed_on)
SELECT id, member_no, name, gender, phone, phone_last4, birthday_calendar, birthday_year,
    birthday_month, birthday_day, birthday_leap, joined_on, referral_code, referred_by, contact_ok, vip, notes, tier,
    points_balance, name_initials, name_pinyin, archived, merged_into, created_at, updated_at, first_sale_id,
    last_sale_date, erased_at, first_sale_date, card_code, sv_principal_fen, sv_bonus_fen, sv_pin_hash, sv_pin_fails,
    sv_pin_failed_on
FROM members ORDER BY id;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE UNIQUE INDEX members_member_no ON members(member_no);
CREATE UNIQUE INDEX members_phone ON members(phone);
CREATE UNIQUE INDEX members_referral_code ON members(referral_code);
CREATE INDEX members_phone_last4 ON members(phone_last4);
CREATE INDEX members_name ON members(name);
CREATE INDEX members_initials ON members(name_initials, id);
CREATE INDEX members_pinyin ON members(name_pinyin, id);
CREATE INDEX members_referred_by ON members(referred_by);
CREATE INDEX members_birthday ON members(birthday_calendar, birthday_month, birthday_day);
CREATE UNIQUE INDEX members_card_code ON members(card_code) WHERE card_code IS NOT NULL;
CREATE INDEX members_first_sale ON members(first_sale_id) WHERE first_sale_id IS NOT NULL;
CREATE INDEX members_last_sale ON members(last_sale_date) WHERE last_sale_date IS NOT NULL;
CREATE INDEX members_holiday_audience ON members(gender, tier, vip, birthday_calendar, birthday_year,
    birthday_month, birthday_day, birthday_leap) WHERE contact_ok = 1 AND archived = 0 AND phone IS NOT NULL;
CREATE INDEX members_without_card ON members(id) WHERE card_code IS NULL AND erased_at IS NULL;
CREATE TRIGGER receipts_sale_visits AFTER INSERT ON receipts WHEN NEW.kind = 'sale'
BEGIN
    UPDATE members SET
        first_sale_id = CASE
            WHEN first_sale_id IS NULL THEN NEW.id
            WHEN (SELECT (f.sale_date, f.at, f.id) > (NEW.sale_date, NEW.at, NEW.id)
                  FROM receipts f WHERE f.id = members.first_sale_id) THEN NEW.id
            ELSE first_sale_id END,
        first_sale_date = CASE
            WHEN first_sale_id IS NULL THEN NEW.sale_date
            WHEN (SELECT (f.sale_date, f.at, f.id) > (NEW.sale_date, NEW.at, NEW.id)
                  FROM receipts f WHERE f.id = members.first_sale_id) THEN NEW.sale_date
            ELSE first_sale_date END,
        last_sale_date = CASE
            WHEN last_sale_date IS NULL OR last_sale_date < NEW.sale_date THEN NEW.sale_date
            ELSE last_sale_date END
    WHERE id = NEW.member_id;
END;
