-- MemberDesk schema, step 20: each CHECK that names three or more allowed values with
-- `IN (…)` says the same with `=` and `OR`. SQLite runs an `IN` list of three or more
-- constants by building a small temporary B-tree of the values, once for every execution
-- of the statement: every INSERT of a member (gender, tier), of a points entry (kind), of
-- a stored-value entry (kind) paid for opening, filling and closing one (3.5 µs of a
-- 6.2 µs insert, measured; docs/performance.md, issue 13). Two values or fewer, and `=`,
-- are compared in place. The rows allowed are exactly those allowed before.
-- A CHECK constraint does not change how rows are stored, so the table's text is changed
-- where it is kept (SQLite's documented procedure for changing constraints without
-- rebuilding a table, https://sqlite.org/lang_altertable.html#otheralter): the migration's
-- hook then increments the schema version and has the connection read the schema again.
-- Each replace names the whole constraint; the upgrade test checks that no table keeps an
-- `IN` list of three or more and that each constraint still refuses a value outside it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (gender IN (''F'', ''M'', ''unknown''))',
    'CHECK (gender = ''F'' OR gender = ''M'' OR gender = ''unknown'')')
WHERE type = 'table' AND name = 'members';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (tier IN (''regular'', ''active'', ''core'', ''loyal''))',
    'CHECK (tier = ''regular'' OR tier = ''active'' OR tier = ''core'' OR tier = ''loyal'')')
WHERE type = 'table' AND name = 'members';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''earn'', ''redeem'', ''expire'', ''clawback'', ''adjust'', ''bonus''))',
    'CHECK (kind = ''earn'' OR kind = ''redeem'' OR kind = ''expire'' OR kind = ''clawback'' OR kind = ''adjust'' OR kind = ''bonus'')')
WHERE type = 'table' AND name = 'points_ledger';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''top_up'', ''bonus'', ''spend'', ''refund'', ''payout'', ''merge'', ''opening''))',
    'CHECK (kind = ''top_up'' OR kind = ''bonus'' OR kind = ''spend'' OR kind = ''refund'' OR kind = ''payout'' OR kind = ''merge'' OR kind = ''opening'')')
WHERE type = 'table' AND name = 'sv_ledger';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''amount'', ''rate'', ''service''))',
    'CHECK (kind = ''amount'' OR kind = ''rate'' OR kind = ''service'')')
WHERE type = 'table' AND name = 'coupons';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status IN (''unused'', ''used'', ''expired'', ''void''))',
    'CHECK (status = ''unused'' OR status = ''used'' OR status = ''expired'' OR status = ''void'')')
WHERE type = 'table' AND name = 'coupons';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''amount'', ''rate'', ''service''))',
    'CHECK (kind = ''amount'' OR kind = ''rate'' OR kind = ''service'')')
WHERE type = 'table' AND name = 'coupon_templates';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status IN (''pending'', ''done'', ''no_answer'', ''rescheduled'', ''do_not_call'', ''gave_up''))',
    'CHECK (status = ''pending'' OR status = ''done'' OR status = ''no_answer'' OR status = ''rescheduled'' OR status = ''do_not_call'' OR status = ''gave_up'')')
WHERE type = 'table' AND name = 'contact_entries';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''survey'', ''feedback'', ''event'', ''share''))',
    'CHECK (kind = ''survey'' OR kind = ''feedback'' OR kind = ''event'' OR kind = ''share'')')
WHERE type = 'table' AND name = 'interactions';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status IN (''pending'', ''approved'', ''dismissed''))',
    'CHECK (status = ''pending'' OR status = ''approved'' OR status = ''dismissed'')')
WHERE type = 'table' AND name = 'screening_candidates';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (bonus_kind IN (''money'', ''points'', ''coupon''))',
    'CHECK (bonus_kind = ''money'' OR bonus_kind = ''points'' OR bonus_kind = ''coupon'')')
WHERE type = 'table' AND name = 'top_up_rules';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (audience IN (''all'', ''women'', ''seniors''))',
    'CHECK (audience = ''all'' OR audience = ''women'' OR audience = ''seniors'')')
WHERE type = 'table' AND name = 'holidays';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (role IN (''front_desk'', ''customer_service'', ''manager'', ''owner''))',
    'CHECK (role = ''front_desk'' OR role = ''customer_service'' OR role = ''manager'' OR role = ''owner'')')
WHERE type = 'table' AND name = 'staff';
PRAGMA writable_schema = OFF;
