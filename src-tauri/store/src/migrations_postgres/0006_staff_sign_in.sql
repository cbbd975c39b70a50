-- MemberDesk schema on PostgreSQL, step 6: as migrations/0006_staff_sign_in.sql — the owner
-- role, the built-in command-line account, the lockout columns, the audit's indexes and
-- its member column. PostgreSQL changes the table in place.

ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
    CHECK (role IN ('front_desk', 'customer_service', 'manager', 'owner'));
ALTER TABLE staff ADD CONSTRAINT staff_active_check CHECK (active IN (0, 1));
ALTER TABLE staff ADD COLUMN builtin BIGINT NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1));
ALTER TABLE staff ADD COLUMN wrong_pins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until TEXT;

INSERT INTO staff (name, role, builtin, created_at) VALUES ('命令行', 'manager', 1, '') ON CONFLICT DO NOTHING;
UPDATE staff SET builtin = 1 WHERE name = '命令行';

CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_staff ON audit_log(staff_id, at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_action ON audit_log(action, at);

ALTER TABLE audit_log ADD COLUMN member_no TEXT;
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE audit_log SET member_no = entity_id WHERE entity = 'member';
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
CREATE INDEX audit_log_member ON audit_log(member_no, at) WHERE member_no IS NOT NULL;
