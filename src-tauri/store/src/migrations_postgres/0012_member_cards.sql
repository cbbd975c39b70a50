-- MemberDesk schema on PostgreSQL, step 12 (as migrations/0012_member_cards.sql): the
-- member card's code (12 digits, random, Luhn), given to earlier members when the store is
-- next opened; a replaced card's old code is kept so that a scan of it is refused by name.

ALTER TABLE members ADD COLUMN card_code TEXT;
CREATE UNIQUE INDEX members_card_code ON members(card_code) WHERE card_code IS NOT NULL;
-- Finds the members still without one at once (empty once they all have one).
CREATE INDEX members_without_card ON members(id) WHERE card_code IS NULL AND erased_at IS NULL;

CREATE TABLE replaced_cards (
    card_code   TEXT PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES members(id) DEFERRABLE,
    replaced_at TEXT NOT NULL,
    staff_id    BIGINT REFERENCES staff(id) DEFERRABLE
);
CREATE INDEX replaced_cards_member ON replaced_cards(member_id);
