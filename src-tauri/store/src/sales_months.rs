//! `sales_months` (migration 11): each member's sales per month and branch — net spend,
//! visits and the last visit's day — kept by the same transaction that writes a sale, a
//! refund or a merge, so that the program figures read one row per member and month
//! instead of every receipt. Which sale counts as a visit is `loyalty::figures::counts_as_visit`.

use crate::db::{params, Connection, OptionalExtension, ToValue};
use crate::Result;
use chrono::{Datelike, NaiveDate};
use loyalty::figures::counts_as_visit;

fn month_of(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// A new sale of `paid_fen` on `day`.
pub(crate) fn add_sale(conn: &Connection, member_id: i64, branch_id: i64, day: NaiveDate, paid_fen: i64) -> Result<()> {
    let visit = counts_as_visit(paid_fen, 0);
    conn.execute_later(
        "INSERT INTO sales_months (month, member_id, branch_id, visits, net_fen, last_visit)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (month, member_id, branch_id) DO UPDATE SET
             visits = sales_months.visits + excluded.visits,
             net_fen = sales_months.net_fen + excluded.net_fen,
             last_visit = CASE
                 WHEN excluded.last_visit IS NULL THEN sales_months.last_visit
                 WHEN sales_months.last_visit IS NULL OR sales_months.last_visit < excluded.last_visit
                     THEN excluded.last_visit
                 ELSE sales_months.last_visit END",
        params![month_of(day), member_id, branch_id, i64::from(visit), paid_fen, visit.then_some(day)],
    )?;
    Ok(())
}

/// `fen` more refunded of the sale `sale_id` (whose refunded amount was `refunded_before`).
/// A sale refunded in full stops being a visit, and its month's last visit is found again.
pub(crate) fn add_refund(conn: &Connection, sale_id: i64, refunded_before: i64, fen: i64) -> Result<()> {
    let Some((member_id, branch_id, day, paid)) = conn
        .prepare_cached(
            "SELECT member_id, branch_id, sale_date, paid_fen FROM receipts WHERE id = ?1 AND kind = 'sale'",
        )?
        .query_row([sale_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, NaiveDate>(2)?, r.get::<_, i64>(3)?))
        })
        .optional()?
    else {
        return Ok(());
    };
    let was = counts_as_visit(paid, refunded_before);
    let is = counts_as_visit(paid, refunded_before + fen);
    conn.prepare_cached(
        "UPDATE sales_months SET net_fen = net_fen - ?4, visits = visits - ?5
         WHERE month = ?1 AND member_id = ?2 AND branch_id = ?3",
    )?
    .execute(params![month_of(day), member_id, branch_id, fen, i64::from(was && !is)])?;
    if was && !is {
        let last = last_visit(conn, member_id, branch_id, day)?;
        conn.prepare_cached(
            "UPDATE sales_months SET last_visit = ?4 WHERE month = ?1 AND member_id = ?2 AND branch_id = ?3",
        )?
        .execute(params![month_of(day), member_id, branch_id, last])?;
    }
    Ok(())
}

/// The member's sales at a branch in a month. `+branch_id` keeps the branch out of the
/// index choice: without statistics SQLite took `receipts_branch_date` (every sale of the
/// branch that month, growing with the store) over `receipts_member` (this member's).
const LAST_VISIT: &str = "SELECT sale_date, paid_fen, refunded_fen FROM receipts
     WHERE member_id = ?1 AND +branch_id = ?2 AND kind = 'sale' AND sale_date >= ?3 AND sale_date <= ?4";

/// The member's last visit at the branch in the month of `day`.
fn last_visit(conn: &Connection, member_id: i64, branch_id: i64, day: NaiveDate) -> Result<Option<NaiveDate>> {
    let first = day.with_day(1).expect("the 1st exists");
    let last = first + chrono::Months::new(1) - chrono::Days::new(1);
    let mut stmt = conn.prepare_cached(LAST_VISIT)?;
    let rows = stmt
        .query_map(params![member_id, branch_id, first, last], |r| {
            Ok((r.get::<_, NaiveDate>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows.into_iter().filter(|(_, paid, refunded)| counts_as_visit(*paid, *refunded)).map(|(d, _, _)| d).max())
}

/// One row of `sales_months`.
const INSERT_ROW: &str = "INSERT INTO sales_months (month, member_id, branch_id, visits, net_fen, last_visit)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// A sale as it stands (paid, refunded so far) added to its month's (visits, net, last visit).
fn add_sale_to(row: &mut (i64, i64, Option<NaiveDate>), day: NaiveDate, paid: i64, refunded: i64) {
    row.1 += paid - refunded;
    if counts_as_visit(paid, refunded) {
        row.0 += 1;
        row.2 = row.2.max(Some(day));
    }
}

/// Builds the member's rows again from their receipts (after a merge moved receipts).
pub(crate) fn rebuild_member(conn: &Connection, member_id: i64) -> Result<()> {
    conn.execute("DELETE FROM sales_months WHERE member_id = ?1", [member_id])?;
    let mut stmt = conn.prepare(
        "SELECT branch_id, sale_date, paid_fen, refunded_fen FROM receipts WHERE member_id = ?1 AND kind = 'sale'",
    )?;
    let sales = stmt
        .query_map([member_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, NaiveDate>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut rows: std::collections::BTreeMap<(String, i64), (i64, i64, Option<NaiveDate>)> = Default::default();
    for (branch, day, paid, refunded) in sales {
        add_sale_to(rows.entry((month_of(day), branch)).or_default(), day, paid, refunded);
    }
    let mut insert = conn.prepare_cached(INSERT_ROW)?;
    for ((month, branch), (visits, net, last)) in rows {
        insert.execute(params![month, member_id, branch, visits, net, last])?;
    }
    Ok(())
}

/// Builds every member's rows again from the receipts, a month at a time, written in the
/// table's key order with its member index (and on PostgreSQL its key to the members) set
/// aside and built once after: what a bulk load
/// of history ([`crate::receipts::HistoryLoad`]) leaves out while it writes the receipts.
/// Each sale had added to a random member's row of its month, a fifth of a large purchases
/// import (docs/performance.md). The same rows as the sales and refunds one by one leave.
pub(crate) fn rebuild_all(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM sales_months")?;
    // On PostgreSQL its key to the members too: each row's check was a query of its own,
    // 6–10 s of every month's `COPY` at a million members (docs/performance.md).
    let mut indexes = crate::set_indexes_aside(conn, "sales_months", &[])?;
    indexes.extend(crate::set_keys_aside(conn, "sales_months", false)?);
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
        conn.query_row("SELECT min(sale_date), max(sale_date) FROM receipts WHERE kind = 'sale'", (), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    // The sales' covering index alone, in day order (the receipts themselves are not read).
    let sales = match conn.engine() {
        crate::Engine::Sqlite => "receipts INDEXED BY receipts_sale_facts",
        crate::Engine::Postgres => "receipts",
    };
    let mut month = first.map(|d| d.with_day(1).expect("the 1st exists"));
    while let (Some(start), Some(last)) = (month, last) {
        if start > last {
            break;
        }
        let next = start + chrono::Months::new(1);
        // (member, branch) → (visits, net, last visit), in key order.
        let mut rows: std::collections::BTreeMap<(i64, i64), (i64, i64, Option<NaiveDate>)> = Default::default();
        conn.prepare_cached(&format!(
            "SELECT member_id, branch_id, sale_date, paid_fen, refunded_fen FROM {sales}
             WHERE kind = 'sale' AND sale_date >= ?1 AND sale_date < ?2"
        ))?
        .for_each(params![start, next], |r| {
            let (day, paid, refunded): (NaiveDate, i64, i64) = (r.get(2)?, r.get(3)?, r.get(4)?);
            add_sale_to(rows.entry((r.get(0)?, r.get(1)?)).or_default(), day, paid, refunded);
            Ok(())
        })?;
        let name = month_of(start);
        match conn.engine() {
            // SQLite: a statement a row costs nothing over the wire.
            crate::Engine::Sqlite => {
                let mut insert = conn.prepare_cached(INSERT_ROW)?;
                for ((member_id, branch_id), (visits, net, last_visit)) in rows {
                    insert.execute(params![name, member_id, branch_id, visits, net, last_visit])?;
                }
            }
            // PostgreSQL: the month's rows in one COPY.
            crate::Engine::Postgres => {
                let values: Vec<Vec<crate::db::Value>> = rows
                    .into_iter()
                    .map(|((member_id, branch_id), (visits, net, last_visit))| {
                        params![name, member_id, branch_id, visits, net, last_visit]
                            .iter()
                            .map(|v| v.to_value())
                            .collect()
                    })
                    .collect();
                conn.copy_in("sales_months (month, member_id, branch_id, visits, net_fen, last_visit)", &values)
                    .expect("a PostgreSQL connection copies")?;
            }
        }
        month = Some(next);
    }
    crate::build_again(conn, &indexes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refund's visit count reads the member's own sales, not the branch's month: the
    /// demo store's build went superlinear (10,000 members 6.6 s, 40,000 members 76 s).
    #[test]
    fn a_refund_reads_the_members_own_sales() {
        let store = crate::Store::open_in_memory().unwrap();
        let plan: Vec<String> = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {LAST_VISIT}"))
            .unwrap()
            .query_map(crate::params![1i64, 1i64, "2026-11-01", "2026-11-30"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<crate::db::Result<Vec<_>>>()
            .unwrap();
        assert!(plan.iter().any(|d| d.contains("receipts_member")), "{plan:?}");
    }
}
