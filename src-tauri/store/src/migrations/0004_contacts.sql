-- MemberDesk schema, step 4: the daily contact list (关怀联系清单) — holidays, the entries of
-- each day (one per member and day), the log of every contact attempt, and the scripts.

CREATE INDEX members_birthday ON members(birthday_calendar, birthday_month, birthday_day);

CREATE TABLE holidays (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    calendar TEXT NOT NULL CHECK (calendar IN ('solar', 'lunar')),
    month    INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    day      INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    audience TEXT NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'women', 'seniors')),
    active   INTEGER NOT NULL DEFAULT 1
) STRICT;

INSERT INTO holidays (name, calendar, month, day, audience) VALUES
    ('元旦', 'solar', 1, 1, 'all'),
    ('春节', 'lunar', 1, 1, 'all'),
    ('元宵节', 'lunar', 1, 15, 'all'),
    ('妇女节', 'solar', 3, 8, 'women'),
    ('劳动节', 'solar', 5, 1, 'all'),
    ('端午节', 'lunar', 5, 5, 'all'),
    ('中秋节', 'lunar', 8, 15, 'all'),
    ('重阳节', 'lunar', 9, 9, 'seniors'),
    ('国庆节', 'solar', 10, 1, 'all');

CREATE TABLE contact_days (
    list_date    TEXT PRIMARY KEY,
    entries      INTEGER NOT NULL,
    overdue      INTEGER NOT NULL,
    generated_at TEXT NOT NULL
) STRICT;

CREATE TABLE contact_entries (
    id           INTEGER PRIMARY KEY,
    list_date    TEXT NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    channel      TEXT NOT NULL CHECK (channel IN ('call', 'sms')),
    reasons      TEXT NOT NULL,
    tier         TEXT NOT NULL,
    vip          INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'done', 'no_answer', 'rescheduled', 'do_not_call', 'gave_up')),
    due_date     TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    outcome_note TEXT NOT NULL DEFAULT '',
    overdue      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (list_date, member_id)
) STRICT;
CREATE INDEX contact_entries_open ON contact_entries(due_date) WHERE status IN ('pending', 'no_answer', 'rescheduled');

CREATE TABLE contact_attempts (
    id        INTEGER PRIMARY KEY,
    entry_id  INTEGER NOT NULL REFERENCES contact_entries(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    staff_id  INTEGER REFERENCES staff(id),
    at        TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX contact_attempts_member ON contact_attempts(member_id, id);
CREATE TRIGGER contact_attempts_no_update BEFORE UPDATE ON contact_attempts
BEGIN SELECT RAISE(ABORT, 'contact_attempts is append-only'); END;
CREATE TRIGGER contact_attempts_no_delete BEFORE DELETE ON contact_attempts
BEGIN SELECT RAISE(ABORT, 'contact_attempts is append-only'); END;

CREATE TABLE contact_scripts (
    kind TEXT PRIMARY KEY,
    text TEXT NOT NULL
) STRICT;

INSERT INTO contact_scripts (kind, text) VALUES
    ('birthday', '{greeting}您好！后天是您的生日，会员台提前祝您生日快乐！我们为您准备了一张生日券，{coupon_until}前到店可用。'),
    ('holiday', '{greeting}您好！{holiday}快到了，会员台祝您和家人节日快乐！'),
    ('follow_up', '{greeting}您好！您{date}购买的商品（小票 {receipt}）用得还满意吗？有任何问题随时联系我们。'),
    ('lapsed', '{greeting}您好！好久没见到您了，我们为您准备了一张回归奖励券，{coupon_until}前到店可用，欢迎回来看看。'),
    ('points_expiring', '{greeting}您好！您有 {points} 积分将于 {date} 到期，欢迎到店消费抵用或兑换礼品。'),
    ('tier_change', '{greeting}您好！您的会员等级已调整为{tier}会员，感谢您一直以来的支持。');
