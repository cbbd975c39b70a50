-- MemberDesk schema, step 13: stored value (储值, rules §14). Each member's account holds
-- principal (money paid in) and bonus (given by the store), cached on the member row like
-- the points balance and always the sum of the append-only stored-value ledger. Top-ups
-- have their own receipt numbers (unique per branch, as sales are). The top-up rules are
-- the manager's, with the dates each runs; the defaults are those of the rule book. A
-- merge carries an account across with a `merge` entry on each side.

ALTER TABLE members ADD COLUMN sv_principal_fen INTEGER NOT NULL DEFAULT 0 CHECK (sv_principal_fen >= 0);
ALTER TABLE members ADD COLUMN sv_bonus_fen INTEGER NOT NULL DEFAULT 0 CHECK (sv_bonus_fen >= 0);

CREATE TABLE top_up_rules (
    id             INTEGER PRIMARY KEY,
    threshold_fen  INTEGER NOT NULL CHECK (threshold_fen > 0),
    bonus_kind     TEXT NOT NULL CHECK (bonus_kind IN ('money', 'points', 'coupon')),
    bonus_fen      INTEGER NOT NULL DEFAULT 0 CHECK (bonus_fen >= 0),
    bonus_points   INTEGER NOT NULL DEFAULT 0 CHECK (bonus_points >= 0),
    bonus_template TEXT,
    valid_from     TEXT,
    valid_until    TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
) STRICT;
INSERT INTO top_up_rules (threshold_fen, bonus_kind, bonus_fen, created_at) VALUES
    (50000, 'money', 5000, ''), (100000, 'money', 12000, ''), (200000, 'money', 30000, '');

CREATE TABLE top_ups (
    id              INTEGER PRIMARY KEY,
    receipt_no      TEXT NOT NULL,
    branch_id       INTEGER NOT NULL DEFAULT 1 REFERENCES branches(id),
    counter         TEXT NOT NULL DEFAULT '',
    member_id       INTEGER NOT NULL REFERENCES members(id),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    rule_id         INTEGER REFERENCES top_up_rules(id),
    bonus_fen       INTEGER NOT NULL DEFAULT 0,
    bonus_points    INTEGER NOT NULL DEFAULT 0,
    bonus_coupon_id INTEGER REFERENCES coupons(id),
    at              TEXT NOT NULL,
    staff_id        INTEGER NOT NULL REFERENCES staff(id),
    created_at      TEXT NOT NULL,
    UNIQUE (branch_id, receipt_no)
) STRICT;
CREATE INDEX top_ups_member ON top_ups(member_id, at);

CREATE TABLE sv_ledger (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members(id),
    kind            TEXT NOT NULL CHECK (kind IN ('top_up', 'bonus', 'spend', 'refund', 'payout', 'merge')),
    principal_fen   INTEGER NOT NULL,
    bonus_fen       INTEGER NOT NULL,
    principal_after INTEGER NOT NULL CHECK (principal_after >= 0),
    bonus_after     INTEGER NOT NULL CHECK (bonus_after >= 0),
    top_up_id       INTEGER REFERENCES top_ups(id),
    receipt_id      INTEGER REFERENCES receipts(id),
    reason          TEXT NOT NULL DEFAULT '',
    on_date         TEXT NOT NULL,
    staff_id        INTEGER REFERENCES staff(id),
    branch_id       INTEGER NOT NULL DEFAULT 1 REFERENCES branches(id),
    counter         TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX sv_ledger_member ON sv_ledger(member_id, id);
CREATE INDEX sv_ledger_day ON sv_ledger(on_date);
CREATE TRIGGER sv_ledger_no_update BEFORE UPDATE ON sv_ledger
BEGIN SELECT RAISE(ABORT, 'sv_ledger is append-only'); END;
CREATE TRIGGER sv_ledger_no_delete BEFORE DELETE ON sv_ledger
BEGIN SELECT RAISE(ABORT, 'sv_ledger is append-only'); END;
