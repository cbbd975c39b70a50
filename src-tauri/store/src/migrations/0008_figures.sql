-- MemberDesk schema, step 8: the program figures (rules §13). A survey may carry the
-- member's 0–10 "would you recommend us" score, from which the figures compute NPS.

ALTER TABLE interactions ADD COLUMN score INTEGER CHECK (score BETWEEN 0 AND 10);
CREATE INDEX interactions_scored ON interactions(on_date) WHERE score IS NOT NULL;
