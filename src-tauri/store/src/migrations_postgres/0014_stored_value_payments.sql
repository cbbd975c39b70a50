-- MemberDesk schema on PostgreSQL, step 14 (as migrations/0014_stored_value_payments.sql):
-- paying with stored value (rules §14). A sale keeps the parts it took from the member's
-- account (principal and bonus), a refund the parts it gave back, so that later refunds and
-- the points claw-back know the sale's basis. A member may set a 6-digit payment PIN (an
-- Argon2 hash); wrong tries are counted per store day. The top-up rules keep their history:
-- an edit retires the rule (who and when) and adds its successor, so a top-up always names
-- the rule it got.

ALTER TABLE receipts ADD COLUMN sv_principal_fen BIGINT NOT NULL DEFAULT 0 CHECK (sv_principal_fen >= 0);
ALTER TABLE receipts ADD COLUMN sv_bonus_fen BIGINT NOT NULL DEFAULT 0 CHECK (sv_bonus_fen >= 0);

ALTER TABLE members ADD COLUMN sv_pin_hash TEXT;
ALTER TABLE members ADD COLUMN sv_pin_fails BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN sv_pin_failed_on TEXT;

ALTER TABLE top_up_rules ADD COLUMN created_by BIGINT REFERENCES staff(id) DEFERRABLE;
ALTER TABLE top_up_rules ADD COLUMN retired_at TEXT;
ALTER TABLE top_up_rules ADD COLUMN retired_by BIGINT REFERENCES staff(id) DEFERRABLE;
ALTER TABLE top_up_rules ADD COLUMN replaced_by BIGINT REFERENCES top_up_rules(id) DEFERRABLE;

-- Members moving from another system bring their stored value in (an import's
-- `opening_stored_value`, principal only): a ledger kind of its own, `opening`, so the
-- figures tell it from the period's top-ups.
ALTER TABLE sv_ledger DROP CONSTRAINT sv_ledger_kind_check;
ALTER TABLE sv_ledger ADD CONSTRAINT sv_ledger_kind_check
    CHECK (kind IN ('top_up', 'bonus', 'spend', 'refund', 'payout', 'merge', 'opening'));
