//! `points_lots`: each award of points with the day it was earned, its last valid day and
//! what is left of it.

use crate::db::{params, Connection, ToValue};
use crate::Result;
use chrono::NaiveDate;
use loyalty::LotBalance;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotRow {
    pub id: i64,
    pub member_id: i64,
    pub receipt_id: Option<i64>,
    pub source: String,
    pub earned_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub points: i64,
    pub remaining: i64,
}

pub fn insert(
    conn: &Connection,
    member_id: i64,
    receipt_id: Option<i64>,
    source: &str,
    earned_on: NaiveDate,
    valid_until: NaiveDate,
    points: i64,
) -> Result<i64> {
    let id = insert_row(conn, &NewLot { member_id, receipt_id, source, earned_on, valid_until, points })?;
    crate::ledger::add_to_month(conn, earned_on, "lots", member_id, points)?;
    Ok(id)
}

/// A lot to write.
#[derive(Debug, Clone, Copy)]
pub struct NewLot<'a> {
    pub member_id: i64,
    pub receipt_id: Option<i64>,
    pub source: &'a str,
    pub earned_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub points: i64,
}

/// The columns a new lot fills, in the order of [`lot_values`].
macro_rules! lot_columns {
    () => {
        "member_id, receipt_id, source, earned_on, valid_until, points, remaining"
    };
}

/// The lot's row alone (its month sum is the caller's).
pub(crate) fn insert_row(conn: &Connection, l: &NewLot<'_>) -> Result<i64> {
    conn.insert_id(
        concat!("INSERT INTO points_lots (", lot_columns!(), ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        lot_values(l),
    )
    .map_err(Into::into)
}

/// `COPY`'s target for lots given their ids ([`crate::copy_load`]): `id` before [`lot_values`].
pub(crate) const COPY_TARGET: &str = concat!("points_lots (id, ", lot_columns!(), ")");

/// A new lot's values in the order of its columns: all of its points remain.
pub(crate) fn lot_values(l: &NewLot<'_>) -> Vec<crate::db::Value> {
    params![l.member_id, l.receipt_id, l.source, l.earned_on, l.valid_until, l.points, l.points]
        .iter()
        .map(|v| v.to_value())
        .collect()
}

/// Lots of a member that still hold points, as the spending rules see them.
pub fn open_balances(conn: &Connection, member_id: i64) -> Result<Vec<LotBalance>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, valid_until, remaining FROM points_lots WHERE member_id = ?1 AND remaining > 0
         ORDER BY valid_until, id",
    )?;
    let rows = stmt
        .query_map([member_id], |r| Ok(LotBalance { lot_id: r.get(0)?, valid_until: r.get(1)?, remaining: r.get(2)? }))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Lots of a member that still hold points, in full.
pub fn open_lots(conn: &Connection, member_id: i64) -> Result<Vec<LotRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, member_id, receipt_id, source, earned_on, valid_until, points, remaining FROM points_lots
         WHERE member_id = ?1 AND remaining > 0 ORDER BY valid_until, id",
    )?;
    let rows = stmt.query_map([member_id], row_to_lot)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

fn row_to_lot(r: &crate::db::Row<'_>) -> crate::db::Result<LotRow> {
    Ok(LotRow {
        id: r.get(0)?,
        member_id: r.get(1)?,
        receipt_id: r.get(2)?,
        source: r.get(3)?,
        earned_on: r.get(4)?,
        valid_until: r.get(5)?,
        points: r.get(6)?,
        remaining: r.get(7)?,
    })
}

pub fn take(conn: &Connection, lot_id: i64, points: i64) -> Result<()> {
    conn.prepare_cached("UPDATE points_lots SET remaining = remaining - ?2 WHERE id = ?1")?
        .execute(params![lot_id, points])?;
    Ok(())
}

/// The lot a receipt earned, if any.
pub fn of_receipt(conn: &Connection, receipt_id: i64) -> Result<Option<i64>> {
    use crate::db::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT id FROM points_lots WHERE receipt_id = ?1 AND source = 'checkout'")?
        .query_row([receipt_id], |r| r.get(0))
        .optional()?)
}

/// Lots with points left whose last valid day is before `store_date`.
/// The lots with points left whose last valid day is `through` or earlier (the day is the
/// rule's: `loyalty::points::last_expired_day`).
pub fn due_to_expire(conn: &Connection, through: NaiveDate) -> Result<Vec<LotRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, member_id, receipt_id, source, earned_on, valid_until, points, remaining FROM points_lots
         WHERE valid_until <= ?1 AND remaining > 0 ORDER BY valid_until, member_id, id",
    )?;
    let rows = stmt.query_map([through], row_to_lot)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn sum_remaining(conn: &Connection, member_id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(remaining), 0) FROM points_lots WHERE member_id = ?1",
        [member_id],
        |r| r.get(0),
    )?)
}
