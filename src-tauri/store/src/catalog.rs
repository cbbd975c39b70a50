//! `catalog_items` and `redemptions`: what points buy, the stock, and who redeemed what.

use crate::db::{params, Connection, OptionalExtension, Row};
use crate::Result;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: i64,
    pub name: String,
    pub points: i64,
    pub stock: Option<i64>,
    pub voucher_template_id: Option<i64>,
    pub active: bool,
}

fn row_to_item(r: &Row<'_>) -> crate::db::Result<ItemRow> {
    Ok(ItemRow {
        id: r.get(0)?,
        name: r.get(1)?,
        points: r.get(2)?,
        stock: r.get(3)?,
        voucher_template_id: r.get(4)?,
        active: r.get(5)?,
    })
}

pub fn items(conn: &Connection, include_inactive: bool) -> Result<Vec<ItemRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, points, stock, voucher_template_id, active FROM catalog_items WHERE ?1 OR active = 1 ORDER BY id",
    )?;
    let rows = stmt.query_map([include_inactive], row_to_item)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn item(conn: &Connection, id: i64) -> Result<Option<ItemRow>> {
    Ok(conn
        .prepare_cached("SELECT id, name, points, stock, voucher_template_id, active FROM catalog_items WHERE id = ?1")?
        .query_row([id], row_to_item)
        .optional()?)
}

/// Takes one from the stock; `false` when none is left (an unlimited item always gives).
pub fn take_one(conn: &Connection, id: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE catalog_items SET stock = stock - 1 WHERE id = ?1 AND stock IS NOT NULL AND stock > 0")?
        .execute([id])?;
    if n == 1 {
        return Ok(true);
    }
    Ok(item(conn, id)?.is_some_and(|i| i.stock.is_none()))
}

pub fn save_item(conn: &Connection, i: &ItemRow) -> Result<i64> {
    if i.id == 0 {
        conn.query_row(
            "INSERT INTO catalog_items (name, points, stock, voucher_template_id, active) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![i.name, i.points, i.stock, i.voucher_template_id, i.active],
            |r| r.get(0),
        )
        .map_err(Into::into)
    } else {
        conn.execute(
            "UPDATE catalog_items SET name = ?2, points = ?3, stock = ?4, voucher_template_id = ?5, active = ?6 WHERE id = ?1",
            params![i.id, i.name, i.points, i.stock, i.voucher_template_id, i.active],
        )?;
        Ok(i.id)
    }
}

#[allow(clippy::too_many_arguments)]
pub fn record_redemption(
    conn: &Connection,
    member_id: i64,
    item_id: i64,
    points: i64,
    coupon_id: Option<i64>,
    on_date: NaiveDate,
    staff_id: i64,
    now: &str,
) -> Result<i64> {
    conn.query_row(
        "INSERT INTO redemptions (member_id, item_id, points, coupon_id, on_date, staff_id, created_at, branch_id, counter)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![member_id, item_id, points, coupon_id, on_date, staff_id, now, conn.station().branch_id, conn.station().counter],
        |r| r.get(0),
    )
    .map_err(Into::into)
}
