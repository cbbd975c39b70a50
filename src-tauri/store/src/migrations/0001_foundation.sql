-- MemberDesk schema, step 1: the store, staff, members, receipts, points lots and ledger,
-- and the audit log. Money is whole fen (INTEGER); dates are 'YYYY-MM-DD', times are
-- 'YYYY-MM-DD HH:MM:SS' in store time. Append-only: later changes go in new files.

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('front_desk', 'customer_service', 'manager')),
    pin_hash   TEXT,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    id                INTEGER PRIMARY KEY,
    member_no         TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    gender            TEXT NOT NULL CHECK (gender IN ('F', 'M', 'unknown')),
    phone             TEXT UNIQUE,
    phone_last4       TEXT,
    birthday_calendar TEXT CHECK (birthday_calendar IN ('solar', 'lunar')),
    birthday_year     INTEGER,
    birthday_month    INTEGER,
    birthday_day      INTEGER,
    birthday_leap     INTEGER NOT NULL DEFAULT 0,
    joined_on         TEXT NOT NULL,
    referral_code     TEXT NOT NULL UNIQUE,
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
    updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX members_phone_last4 ON members(phone_last4);
CREATE INDEX members_name ON members(name);
CREATE INDEX members_initials ON members(name_initials);
CREATE INDEX members_pinyin ON members(name_pinyin);
CREATE INDEX members_referred_by ON members(referred_by);

-- Every 1- and 2-character piece of a member's (lower-cased) name: the index behind
-- "name contains" lookups.
CREATE TABLE member_name_grams (
    gram      TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (gram, member_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY,
    receipt_no   TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('sale', 'refund')),
    member_id    INTEGER NOT NULL REFERENCES members(id),
    refund_of    INTEGER REFERENCES receipts(id),
    gross_fen    INTEGER NOT NULL CHECK (gross_fen > 0),
    discount_fen INTEGER NOT NULL DEFAULT 0 CHECK (discount_fen >= 0),
    paid_fen     INTEGER NOT NULL CHECK (paid_fen >= 0),
    refunded_fen INTEGER NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= paid_fen),
    multiplier   TEXT NOT NULL,
    points       INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
    gift         TEXT,
    coupon_id    INTEGER,
    history      INTEGER NOT NULL DEFAULT 0,
    at           TEXT NOT NULL,
    sale_date    TEXT NOT NULL,
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX receipts_member ON receipts(member_id, sale_date);
CREATE INDEX receipts_sale_date ON receipts(sale_date);
CREATE INDEX receipts_refund_of ON receipts(refund_of) WHERE refund_of IS NOT NULL;

CREATE TABLE points_lots (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    receipt_id  INTEGER REFERENCES receipts(id),
    source      TEXT NOT NULL,
    earned_on   TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    points      INTEGER NOT NULL CHECK (points > 0),
    remaining   INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points)
) STRICT;
CREATE INDEX points_lots_open ON points_lots(member_id, valid_until) WHERE remaining > 0;
CREATE INDEX points_lots_expiry ON points_lots(valid_until) WHERE remaining > 0;
CREATE INDEX points_lots_receipt ON points_lots(receipt_id) WHERE receipt_id IS NOT NULL;

CREATE TABLE points_ledger (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members(id),
    kind          TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'clawback', 'adjust', 'bonus')),
    points        INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    receipt_id    INTEGER REFERENCES receipts(id),
    lot_id        INTEGER REFERENCES points_lots(id),
    reason        TEXT NOT NULL DEFAULT '',
    on_date       TEXT NOT NULL,
    staff_id      INTEGER REFERENCES staff(id),
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX points_ledger_member ON points_ledger(member_id, id);
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    staff_id  INTEGER REFERENCES staff(id),
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    before    TEXT,
    after     TEXT
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
