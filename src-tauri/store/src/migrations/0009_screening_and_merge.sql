-- MemberDesk schema, step 9: the manager's program (rules §2, §10).
-- The quarterly big-customer screening: one run per quarter, one row per member listed
-- with the five criteria and their numbers as they were that day, and the manager's
-- decision. For a clean member list, an erased member records when their personal data
-- was blanked (a merged member already points at the kept one: members.merged_into).

CREATE TABLE screening_runs (
    id             INTEGER PRIMARY KEY,
    quarter        TEXT NOT NULL UNIQUE,
    screening_day  TEXT NOT NULL,
    window_start   TEXT NOT NULL,
    evaluated      INTEGER NOT NULL,
    candidates     INTEGER NOT NULL,
    threshold_fen  INTEGER,
    duration_ms    INTEGER NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE screening_candidates (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES screening_runs(id),
    member_id        INTEGER NOT NULL REFERENCES members(id),
    visits           INTEGER NOT NULL,
    visits_met       INTEGER NOT NULL,
    referrals        INTEGER NOT NULL,
    referrals_met    INTEGER NOT NULL,
    interactions     INTEGER NOT NULL,
    interactions_met INTEGER NOT NULL,
    net_fen          INTEGER NOT NULL,
    top_spend_met    INTEGER NOT NULL,
    tier             TEXT NOT NULL,
    tier_met         INTEGER NOT NULL,
    met              INTEGER NOT NULL CHECK (met BETWEEN 0 AND 5),
    was_vip          INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'dismissed')),
    note             TEXT NOT NULL DEFAULT '',
    decided_by       INTEGER REFERENCES staff(id),
    decided_at       TEXT,
    UNIQUE (run_id, member_id)
) STRICT;
CREATE INDEX screening_candidates_member ON screening_candidates(member_id);

ALTER TABLE members ADD COLUMN erased_at TEXT;
