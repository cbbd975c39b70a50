-- MemberDesk schema, step 10: the program figures read a year or three of sales at once.
-- A covering index of the sales by day lets them be read in day order without touching
-- the table (the grouping by member and month is done as they are read).

CREATE INDEX receipts_sale_facts ON receipts(sale_date, member_id, paid_fen, refunded_fen, branch_id)
    WHERE kind = 'sale';
