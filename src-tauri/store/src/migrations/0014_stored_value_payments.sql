-- MemberDesk schema, step 14: paying with stored value (rules §14). A sale keeps the parts
-- it took from the member's account (principal and bonus), a refund the parts it gave back,
-- so that later refunds and the points claw-back know the sale's basis. A member may set a
-- 6-digit payment PIN (an Argon2 hash); wrong tries are counted per store day. The top-up
-- rules keep their history: an edit retires the rule (who and when) and adds its successor,
-- so a top-up always names the rule it got.

ALTER TABLE receipts ADD COLUMN sv_principal_fen INTEGER NOT NULL DEFAULT 0 CHECK (sv_principal_fen >= 0);
ALTER TABLE receipts ADD COLUMN sv_bonus_fen INTEGER NOT NULL DEFAULT 0 CHECK (sv_bonus_fen >= 0);

ALTER TABLE members ADD COLUMN sv_pin_hash TEXT;
ALTER TABLE members ADD COLUMN sv_pin_fails INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN sv_pin_failed_on TEXT;

ALTER TABLE top_up_rules ADD COLUMN created_by INTEGER REFERENCES staff(id);
ALTER TABLE top_up_rules ADD COLUMN retired_at TEXT;
ALTER TABLE top_up_rules ADD COLUMN retired_by INTEGER REFERENCES staff(id);
ALTER TABLE top_up_rules ADD COLUMN replaced_by INTEGER REFERENCES top_up_rules(id);

-- Members moving from another system bring their stored value in (an import's
-- `opening_stored_value`, principal only): a ledger kind of its own, `opening`, so the
-- figures tell it from the period's top-ups. SQLite changes a CHECK by rebuilding the table
-- (nothing refers to the ledger).
CREATE TABLE sv_ledger_new (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members(id),
    kind            TEXT NOT NULL CHECK (kind IN ('top_up', 'bonus', 'spend', 'refund', 'payout', 'merge', 'opening')),
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
INSERT INTO sv_ledger_new SELECT id, member_id, kind, principal_fen, bonus_fen, principal_after, bonus_after,
    top_up_id, receipt_id, reason, on_date, staff_id, branch_id, counter, created_at FROM sv_ledger;
DROP TABLE sv_ledger;
ALTER TABLE sv_ledger_new RENAME TO sv_ledger;
CREATE INDEX sv_ledger_member ON sv_ledger(member_id, id);
CREATE INDEX sv_ledger_day ON sv_ledger(on_date);
CREATE TRIGGER sv_ledger_no_update BEFORE UPDATE ON sv_ledger
BEGIN SELECT RAISE(ABORT, 'sv_ledger is append-only'); END;
CREATE TRIGGER sv_ledger_no_delete BEFORE DELETE ON sv_ledger
BEGIN SELECT RAISE(ABORT, 'sv_ledger is append-only'); END;
