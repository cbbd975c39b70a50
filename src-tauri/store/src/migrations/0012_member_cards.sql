-- MemberDesk schema, step 12: the member card (rules §2). Each member gets a card code to
-- scan: 12 digits, random, the last a Luhn check digit (loyalty::stored_value::card_code).
-- Members enrolled before this step get theirs when the store is next opened
-- (store::cards::assign_missing). A replaced card's old code is kept, so that a scan of
-- it is refused with its own message rather than "not found".

ALTER TABLE members ADD COLUMN card_code TEXT;
CREATE UNIQUE INDEX members_card_code ON members(card_code) WHERE card_code IS NOT NULL;
-- Finds the members still without one at once (empty once they all have one).
CREATE INDEX members_without_card ON members(id) WHERE card_code IS NULL AND erased_at IS NULL;

CREATE TABLE replaced_cards (
    card_code   TEXT PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    replaced_at TEXT NOT NULL,
    staff_id    INTEGER REFERENCES staff(id)
) STRICT;
CREATE INDEX replaced_cards_member ON replaced_cards(member_id);
