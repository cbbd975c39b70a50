-- MemberDesk schema on PostgreSQL, step 11 (as migrations/0011_figures_summaries.sql): the
-- program figures read months, not rows. Each member's first-sale day sits on the member
-- row (kept by the same trigger as the first sale), and the points issued and the ledger's
-- entries are summed per month and kind by the transaction that writes them.

ALTER TABLE members ADD COLUMN first_sale_date TEXT;
UPDATE members SET first_sale_date = (SELECT r.sale_date FROM receipts r WHERE r.id = members.first_sale_id)
    WHERE first_sale_id IS NOT NULL;

-- A store being copied in (`migrate`, restore) brings its members' first and last sale
-- with it: the copy sets memberdesk.copying for its transaction and the trigger stands by.
CREATE OR REPLACE FUNCTION md_receipts_sale_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('memberdesk.copying', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE members SET
        first_sale_id = CASE
            WHEN first_sale_id IS NULL THEN NEW.id
            WHEN (SELECT (f.sale_date, f.at, f.id) > (NEW.sale_date, NEW.at, NEW.id)
                  FROM receipts f WHERE f.id = members.first_sale_id) THEN NEW.id
            ELSE first_sale_id END,
        first_sale_date = CASE
            WHEN first_sale_id IS NULL THEN NEW.sale_date
            WHEN (SELECT (f.sale_date, f.at, f.id) > (NEW.sale_date, NEW.at, NEW.id)
                  FROM receipts f WHERE f.id = members.first_sale_id) THEN NEW.sale_date
            ELSE first_sale_date END,
        last_sale_date = CASE
            WHEN last_sale_date IS NULL OR last_sale_date < NEW.sale_date THEN NEW.sale_date
            ELSE last_sale_date END
    WHERE id = NEW.member_id;
    RETURN NULL;
END $$;

-- month: YYYY-MM; kind: a ledger kind (earn, redeem, …) or 'lots' for the points issued in
-- lots that month; slot: member_id % 8, so that counters writing at once rarely wait on
-- one row.
CREATE TABLE points_months (
    month  TEXT NOT NULL,
    kind   TEXT NOT NULL,
    slot   BIGINT NOT NULL,
    points BIGINT NOT NULL,
    PRIMARY KEY (month, kind, slot)
);
INSERT INTO points_months (month, kind, slot, points)
    SELECT substr(on_date, 1, 7), kind, member_id % 8, sum(points) FROM points_ledger GROUP BY 1, 2, 3;
INSERT INTO points_months (month, kind, slot, points)
    SELECT substr(earned_on, 1, 7), 'lots', member_id % 8, sum(points) FROM points_lots GROUP BY 1, 2, 3;

-- Each member's sales per month and branch: net spend (paid − refunded), visits (sales not
-- refunded in full, as loyalty::figures::counts_as_visit decides for every sale written
-- from now on) and the last visit's day. Kept by store::sales_months in the transaction of
-- each sale, refund and merge; filled here once from the receipts so far, in the order
-- the figures read them (a store writes them month after month).
CREATE TABLE sales_months (
    month      TEXT NOT NULL,
    member_id  BIGINT NOT NULL REFERENCES members(id) DEFERRABLE,
    branch_id  BIGINT NOT NULL REFERENCES branches(id) DEFERRABLE,
    visits     BIGINT NOT NULL,
    net_fen    BIGINT NOT NULL,
    last_visit TEXT,
    PRIMARY KEY (month, member_id, branch_id)
);
INSERT INTO sales_months (month, member_id, branch_id, visits, net_fen, last_visit)
    SELECT substr(sale_date, 1, 7), member_id, branch_id,
           sum(CASE WHEN paid_fen = 0 OR refunded_fen < paid_fen THEN 1 ELSE 0 END),
           sum(paid_fen - refunded_fen),
           max(CASE WHEN paid_fen = 0 OR refunded_fen < paid_fen THEN sale_date END)
    FROM receipts WHERE kind = 'sale'
    GROUP BY substr(sale_date, 1, 7), member_id, branch_id
    ORDER BY 1, 2, 3;
CREATE INDEX sales_months_member ON sales_months(member_id);
