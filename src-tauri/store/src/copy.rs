//! Copying a whole store between engines: `migrate --to` (a file into an empty server, or a
//! server into a new file), the backup of a server (a single-file copy), and its restore.
//! Every table is copied row by row with its ids, in one transaction on the target with
//! foreign keys checked at its commit; then the copy is verified against its source.

use crate::db::{Connection, Engine, Value};
use crate::{Result, Store, StoreError};

/// Every table of the schema, parents before children. A tidy test checks this list against
/// the tables the migrations make.
pub const TABLES: &[&str] = &[
    "store_meta",
    "branches",
    "staff",
    "members",
    "member_name_grams",
    "coupon_templates",
    "receipts",
    "points_lots",
    "points_ledger",
    "points_months",
    "sales_months",
    "audit_log",
    "interactions",
    "tier_runs",
    "tier_changes",
    "settings_history",
    "coupons",
    "catalog_items",
    "redemptions",
    "referral_rewards",
    "holidays",
    "contact_days",
    "contact_entries",
    "contact_attempts",
    "contact_scripts",
    "contact_sms_batches",
    "screening_runs",
    "screening_candidates",
    "replaced_cards",
    "top_up_rules",
    "top_ups",
    "sv_ledger",
];

/// What a verified copy holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Rows per table, equal in source and copy.
    pub tables: Vec<(String, i64)>,
    pub members: i64,
    /// The sum of every member's balance.
    pub points_balance_total: i64,
    /// The sum of the points left in lots.
    pub lots_remaining_total: i64,
}

/// The tables of the schema as the store's own catalog lists them.
pub fn schema_tables(conn: &Connection) -> Result<Vec<String>> {
    let sql = match conn.engine() {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()
             AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1"
        }
    };
    let rows = conn.prepare(sql)?.query_map((), |r| r.get(0))?.collect::<crate::db::Result<Vec<String>>>()?;
    Ok(rows)
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let rows = match conn.engine() {
        Engine::Sqlite => conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))?
            .query_map((), |r| r.get(0))?
            .collect::<crate::db::Result<Vec<String>>>()?,
        Engine::Postgres => conn
            .prepare(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            )?
            .query_map([table], |r| r.get(0))?
            .collect::<crate::db::Result<Vec<String>>>()?,
    };
    Ok(rows)
}

/// Whether a store holds anything a person entered: members, receipts, staff accounts, the
/// audit. A store just created (its seed templates, holidays and the built-in account only)
/// is empty.
pub fn is_empty(store: &Store) -> Result<bool> {
    let c = store.conn();
    let n: i64 = c.query_row(
        "SELECT (SELECT count(*) FROM members) + (SELECT count(*) FROM receipts) + (SELECT count(*) FROM audit_log)
              + (SELECT count(*) FROM staff WHERE builtin = 0) + (SELECT count(*) FROM store_meta)",
        (),
        |r| r.get(0),
    )?;
    Ok(n == 0)
}

/// Copies `source` into `target`, which must be empty ([`is_empty`]); verifies the copy.
pub fn copy_store(source: &Store, target: &mut Store) -> Result<CopyReport> {
    if !is_empty(target)? {
        return Err(StoreError::Copy(format!("目标 {} 不是空的，已有会员、小票或员工数据，未复制", target.location())));
    }
    replace_contents(source, target)
}

/// Replaces everything in `target` by a copy of `source` (both at this build's schema), in
/// one transaction on the target, then verifies it. On any failure the target is unchanged.
pub fn replace_contents(source: &Store, target: &mut Store) -> Result<CopyReport> {
    let (sv, tv) = (source.schema_version()?, target.schema_version()?);
    if sv != tv {
        return Err(StoreError::Copy(format!("两边的数据版本不同（{sv} 与 {tv}），未复制")));
    }
    let snapshot = source.read_transaction()?;
    let tx = target.transaction()?;
    let t: &Connection = &tx;
    match t.engine() {
        Engine::Sqlite => t.execute_batch("PRAGMA defer_foreign_keys = ON")?,
        Engine::Postgres => {
            t.execute_batch("SET CONSTRAINTS ALL DEFERRED")?;
            let list = TABLES.join(", ");
            t.execute_batch(&format!("TRUNCATE {list} RESTART IDENTITY"))?;
        }
    }
    if t.engine() == Engine::Sqlite {
        for table in TABLES.iter().rev() {
            t.execute_batch(&format!("DELETE FROM {table}"))?;
        }
    }
    // The members arrive with their first and last sale already: the trigger that keeps
    // them on each new receipt (migrations 5, 7, 11) would rewrite a member row for every
    // receipt copied, which on PostgreSQL left the copied members table nine times its size.
    // It stands by while the rows are copied, and is back before the commit.
    let triggers: Vec<String> = match t.engine() {
        Engine::Sqlite => {
            let sql = t
                .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'receipts'")?
                .query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<crate::db::Result<Vec<_>>>()?;
            for (name, _) in &sql {
                t.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
            }
            sql.into_iter().map(|(_, sql)| sql).collect()
        }
        Engine::Postgres => {
            // The trigger function stands by while this is on (migration 11).
            t.execute_batch("SET LOCAL memberdesk.copying = 'on'")?;
            vec!["SET LOCAL memberdesk.copying = 'off'".to_string()]
        }
    };
    for table in TABLES {
        copy_table(&snapshot, t, table)?;
    }
    for sql in &triggers {
        t.execute_batch(sql)?;
    }
    if t.engine() == Engine::Postgres {
        for table in TABLES {
            let has_id = columns(t, table)?.iter().any(|c| c == "id");
            let identity: bool =
                has_id && t.query_row("SELECT pg_get_serial_sequence(?1, 'id') IS NOT NULL", [*table], |r| r.get(0))?;
            if identity {
                t.execute_batch(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
                ))?;
            }
        }
    }
    let expected = summary(&snapshot)?;
    let got = summary(t)?;
    if expected != got {
        return Err(StoreError::Copy(format!("复制后核对不一致：原 {expected:?}，副本 {got:?}")));
    }
    let balances = |c: &Connection| -> Result<Vec<(String, i64, i64)>> {
        Ok(c.prepare(
            "SELECT m.member_no, m.points_balance,
                    CAST(coalesce((SELECT sum(l.remaining) FROM points_lots l
                                   WHERE l.member_id = m.id AND l.remaining > 0), 0) AS BIGINT)
             FROM members m ORDER BY m.id",
        )?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?)
    };
    if balances(&snapshot)? != balances(t)? {
        return Err(StoreError::Copy("复制后会员积分余额或积分批次与原库不一致".into()));
    }
    tx.commit()?;
    drop(snapshot);
    if target.conn().engine() == Engine::Postgres {
        // The planner's statistics and the visibility map of the tables just filled (index-only
        // scans need the latter), as autovacuum would give them some time later.
        target.conn().execute_batch("VACUUM (ANALYZE)")?;
    }
    Ok(got)
}

fn summary(c: &Connection) -> Result<CopyReport> {
    let mut tables = Vec::new();
    for table in TABLES {
        let n: i64 = c.query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get(0))?;
        tables.push((table.to_string(), n));
    }
    let (members, balance): (i64, i64) =
        c.query_row("SELECT count(*), CAST(coalesce(sum(points_balance), 0) AS BIGINT) FROM members", (), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let lots: i64 =
        c.query_row("SELECT CAST(coalesce(sum(remaining), 0) AS BIGINT) FROM points_lots", (), |r| r.get(0))?;
    Ok(CopyReport { tables, members, points_balance_total: balance, lots_remaining_total: lots })
}

fn copy_table(source: &Connection, target: &Connection, table: &str) -> Result<()> {
    let cols = columns(source, table)?;
    let target_cols = columns(target, table)?;
    if cols.iter().any(|c| !target_cols.contains(c)) {
        return Err(StoreError::Copy(format!("表 {table} 的列两边不同，未复制")));
    }
    let list = cols.join(", ");
    let per_batch = (30_000 / cols.len().max(1)).clamp(1, 500);
    let insert = |rows: &[Vec<Value>]| -> Result<()> {
        for chunk in rows.chunks(per_batch) {
            let mut sql = format!("INSERT INTO {table} ({list}) VALUES ");
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..cols.len() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    sql.push_str(&format!("?{n}"));
                }
                sql.push(')');
            }
            let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
            target.execute(&sql, values)?;
        }
        Ok(())
    };
    let read = |sql: &str, params: Vec<Value>| -> Result<Vec<Vec<Value>>> {
        Ok(source
            .prepare(sql)?
            .query_map(params, |r| (0..cols.len()).map(|i| r.value(i)).collect())?
            .collect::<crate::db::Result<_>>()?)
    };
    match cols.iter().position(|c| c == "id") {
        // Page by id, so that memory holds one page, not the table (millions of receipts).
        Some(id_at) => {
            let mut after = i64::MIN;
            loop {
                let page = read(
                    &format!("SELECT {list} FROM {table} WHERE id > ?1 ORDER BY id LIMIT 20000"),
                    vec![Value::Int(after)],
                )?;
                let Some(last) = page.last() else { break };
                after = match &last[id_at] {
                    Value::Int(i) => *i,
                    other => return Err(StoreError::Copy(format!("表 {table} 的 id 不是整数：{other:?}"))),
                };
                insert(&page)?;
            }
        }
        // The month sums (a million rows on a big store) month by month, in key order.
        None if table == "sales_months" => {
            let months = source
                .prepare("SELECT DISTINCT month FROM sales_months ORDER BY month")?
                .query_map((), |r| r.get::<_, String>(0))?
                .collect::<crate::db::Result<Vec<_>>>()?;
            for month in months {
                insert(&read(
                    &format!("SELECT {list} FROM {table} WHERE month = ?1 ORDER BY member_id, branch_id"),
                    vec![Value::Text(month)],
                )?)?;
            }
        }
        None => insert(&read(&format!("SELECT {list} FROM {table}"), Vec::new())?)?,
    }
    Ok(())
}
