-- MemberDesk schema, step 3: coupon templates and issued coupons, the redemption catalog,
-- redemptions, and referral rewards (one per referee). Seeded with the rule book's defaults.

CREATE TABLE coupon_templates (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('amount', 'rate', 'service')),
    value         TEXT NOT NULL,
    min_spend_fen INTEGER NOT NULL DEFAULT 0 CHECK (min_spend_fen >= 0),
    days_valid    INTEGER NOT NULL CHECK (days_valid > 0),
    active        INTEGER NOT NULL DEFAULT 1
) STRICT;

INSERT INTO coupon_templates (key, name, kind, value, min_spend_fen, days_valid) VALUES
    ('new_member', '新手礼包 满100减10', 'amount', '10', 10000, 30),
    ('repurchase', '复购券 9折', 'rate', '0.90', 0, 30),
    ('referee', '推荐首单 8折', 'rate', '0.80', 0, 30),
    ('referrer', '推荐奖励 满100减20', 'amount', '20', 10000, 30),
    ('birthday', '生日券 满100减20', 'amount', '20', 10000, 10),
    ('recall', '回归奖励 满100减20', 'amount', '20', 10000, 14),
    ('voucher_50', '50元无门槛券', 'amount', '50', 0, 90),
    ('voucher_repair', '免费上门检修券', 'service', '0', 0, 90);

CREATE TABLE coupons (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    template_id   INTEGER NOT NULL REFERENCES coupon_templates(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('amount', 'rate', 'service')),
    value         TEXT NOT NULL,
    min_spend_fen INTEGER NOT NULL DEFAULT 0,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'unused' CHECK (status IN ('unused', 'used', 'expired', 'void')),
    reason        TEXT NOT NULL DEFAULT '',
    issued_at     TEXT NOT NULL,
    used_receipt  INTEGER REFERENCES receipts(id),
    used_at       TEXT
) STRICT;
CREATE INDEX coupons_member ON coupons(member_id, status);
CREATE INDEX coupons_open_expiry ON coupons(valid_until) WHERE status = 'unused';

CREATE TABLE catalog_items (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    points              INTEGER NOT NULL CHECK (points > 0),
    stock               INTEGER CHECK (stock IS NULL OR stock >= 0),
    voucher_template_id INTEGER REFERENCES coupon_templates(id),
    active              INTEGER NOT NULL DEFAULT 1
) STRICT;

INSERT INTO catalog_items (name, points, stock, voucher_template_id) VALUES
    ('50元无门槛券', 500, NULL, (SELECT id FROM coupon_templates WHERE key = 'voucher_50')),
    ('免费上门检修', 300, NULL, (SELECT id FROM coupon_templates WHERE key = 'voucher_repair')),
    ('小家电礼品', 1000, 10, NULL);

CREATE TABLE redemptions (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    item_id    INTEGER NOT NULL REFERENCES catalog_items(id),
    points     INTEGER NOT NULL,
    coupon_id  INTEGER REFERENCES coupons(id),
    on_date    TEXT NOT NULL,
    staff_id   INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE referral_rewards (
    referee_id  INTEGER PRIMARY KEY REFERENCES members(id),
    referrer_id INTEGER NOT NULL REFERENCES members(id),
    receipt_id  INTEGER NOT NULL REFERENCES receipts(id),
    points      INTEGER NOT NULL,
    coupon_id   INTEGER REFERENCES coupons(id),
    on_date     TEXT NOT NULL
) STRICT;
