-- MemberDesk schema, step 7: branches and counters (rules §15). A single store is a chain
-- of one: its branch 'main' (本店) gets every existing row. Receipt numbers become unique
-- per branch, so `receipts` is rebuilt (SQLite cannot change a UNIQUE); its indexes and
-- its trigger are made again. Receipts, redemptions, contact attempts and the audit
-- record the branch and counter they were made at; a staff account may belong to a branch
-- (NULL: the whole chain). Runs with foreign keys off and is checked after.

CREATE TABLE branches (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
INSERT INTO branches (id, code, name, created_at) VALUES (1, 'main', '本店', '');

CREATE TABLE receipts_new (
    id           INTEGER PRIMARY KEY,
    branch_id    INTEGER NOT NULL DEFAULT 1 REFERENCES branches(id),
    counter      TEXT NOT NULL DEFAULT '',
    receipt_no   TEXT NOT NULL,
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
    created_at   TEXT NOT NULL,
    UNIQUE (branch_id, receipt_no)
) STRICT;
INSERT INTO receipts_new (id, receipt_no, kind, member_id, refund_of, gross_fen, discount_fen, paid_fen,
                          refunded_fen, multiplier, points, gift, coupon_id, history, at, sale_date, staff_id, created_at)
    SELECT id, receipt_no, kind, member_id, refund_of, gross_fen, discount_fen, paid_fen,
           refunded_fen, multiplier, points, gift, coupon_id, history, at, sale_date, staff_id, created_at FROM receipts;
DROP TABLE receipts;
ALTER TABLE receipts_new RENAME TO receipts;
CREATE INDEX receipts_member ON receipts(member_id, sale_date);
CREATE INDEX receipts_sale_date ON receipts(sale_date);
CREATE INDEX receipts_refund_of ON receipts(refund_of) WHERE refund_of IS NOT NULL;
CREATE INDEX receipts_branch_date ON receipts(branch_id, sale_date);

CREATE TRIGGER receipts_sale_visits AFTER INSERT ON receipts WHEN NEW.kind = 'sale'
BEGIN
    UPDATE members SET
        first_sale_id = CASE
            WHEN first_sale_id IS NULL THEN NEW.id
            WHEN (SELECT (f.sale_date, f.at, f.id) > (NEW.sale_date, NEW.at, NEW.id)
                  FROM receipts f WHERE f.id = members.first_sale_id) THEN NEW.id
            ELSE first_sale_id END,
        last_sale_date = CASE
            WHEN last_sale_date IS NULL OR last_sale_date < NEW.sale_date THEN NEW.sale_date
            ELSE last_sale_date END
    WHERE id = NEW.member_id;
END;

ALTER TABLE redemptions ADD COLUMN branch_id INTEGER NOT NULL DEFAULT 1 REFERENCES branches(id);
ALTER TABLE redemptions ADD COLUMN counter TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_attempts ADD COLUMN branch_id INTEGER NOT NULL DEFAULT 1 REFERENCES branches(id);
ALTER TABLE contact_attempts ADD COLUMN counter TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN branch_id INTEGER REFERENCES branches(id);
ALTER TABLE audit_log ADD COLUMN counter TEXT;
ALTER TABLE staff ADD COLUMN branch_id INTEGER REFERENCES branches(id);
