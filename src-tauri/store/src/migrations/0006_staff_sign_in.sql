-- MemberDesk schema, step 6: staff sign-in (rules §11). The staff table is rebuilt (SQLite
-- cannot change a CHECK): the owner role, the built-in command-line account, and the count
-- of wrong PINs in a row with the time a locked account opens again. The audit log gets
-- the indexes its screen filters by. Runs with foreign keys off and is checked after.

CREATE TABLE staff_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('front_desk', 'customer_service', 'manager', 'owner')),
    pin_hash     TEXT,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    builtin      INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    wrong_pins   INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at   TEXT NOT NULL
) STRICT;
INSERT INTO staff_new (id, name, role, pin_hash, active, created_at)
    SELECT id, name, role, pin_hash, active, created_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_new RENAME TO staff;

-- The account the command line acts as while no account has a PIN.
INSERT OR IGNORE INTO staff (name, role, builtin, created_at) VALUES ('命令行', 'manager', 1, '');
UPDATE staff SET builtin = 1 WHERE name = '命令行';

CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_staff ON audit_log(staff_id, at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_action ON audit_log(action, at);

-- The member an entry concerns, so the audit screen can filter by member.
ALTER TABLE audit_log ADD COLUMN member_no TEXT;
-- Filing the old entries is the one change ever made to the log's rows: the append-only
-- trigger steps aside for this migration only.
DROP TRIGGER audit_log_no_update;
UPDATE audit_log SET member_no = entity_id WHERE entity = 'member';
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE INDEX audit_log_member ON audit_log(member_no, at) WHERE member_no IS NOT NULL;
