-- MemberDesk schema, step 2: interactions (they count for tiers), the monthly tier runs
-- with their change rows, and the history of settings changes. Also: the name grams of a
-- member found by member (editing a name replaces them).

CREATE INDEX member_name_grams_member ON member_name_grams(member_id);

CREATE TABLE interactions (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    kind       TEXT NOT NULL CHECK (kind IN ('survey', 'feedback', 'event', 'share')),
    on_date    TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    points     INTEGER NOT NULL DEFAULT 0,
    staff_id   INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX interactions_member ON interactions(member_id, on_date);
CREATE INDEX interactions_on_date ON interactions(on_date);

CREATE TABLE tier_runs (
    id             INTEGER PRIMARY KEY,
    month          TEXT NOT NULL UNIQUE,
    evaluation_day TEXT NOT NULL,
    evaluated      INTEGER NOT NULL,
    changed        INTEGER NOT NULL,
    duration_ms    INTEGER NOT NULL,
    settings       TEXT NOT NULL,
    distribution   TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE tier_changes (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES tier_runs(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    from_tier   TEXT NOT NULL,
    to_tier     TEXT NOT NULL,
    score       TEXT NOT NULL,
    consumption TEXT NOT NULL,
    interaction TEXT NOT NULL
) STRICT;
CREATE INDEX tier_changes_run ON tier_changes(run_id);
CREATE INDEX tier_changes_member ON tier_changes(member_id, run_id);

CREATE TABLE settings_history (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    key      TEXT NOT NULL,
    before   TEXT,
    after    TEXT NOT NULL
) STRICT;
CREATE TRIGGER settings_history_no_update BEFORE UPDATE ON settings_history
BEGIN SELECT RAISE(ABORT, 'settings_history is append-only'); END;
CREATE TRIGGER settings_history_no_delete BEFORE DELETE ON settings_history
BEGIN SELECT RAISE(ABORT, 'settings_history is append-only'); END;
