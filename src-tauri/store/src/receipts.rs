//! `receipts`: sales and refunds, each under its receipt number (unique in the store).
//! A sale keeps what was refunded of it so far.

use crate::db::{params, Connection, OptionalExtension, Row};
use crate::Result;
use chrono::{NaiveDate, NaiveDateTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    pub id: i64,
    pub receipt_no: String,
    pub kind: String,
    pub member_id: i64,
    pub refund_of: Option<i64>,
    pub gross_fen: i64,
    pub discount_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub multiplier: String,
    pub points: i64,
    pub gift: Option<String>,
    pub coupon_id: Option<i64>,
    pub history: bool,
    pub at: NaiveDateTime,
    pub staff_id: i64,
    /// A sale: the principal it took from stored value; a refund: the principal it gave back.
    pub sv_principal_fen: i64,
    /// A sale: the bonus it took from stored value; a refund: the bonus it gave back.
    pub sv_bonus_fen: i64,
}

pub struct NewReceipt<'a> {
    pub receipt_no: &'a str,
    pub kind: &'a str,
    pub member_id: i64,
    pub refund_of: Option<i64>,
    pub gross_fen: i64,
    pub discount_fen: i64,
    pub paid_fen: i64,
    pub multiplier: &'a str,
    pub points: i64,
    pub gift: Option<&'a str>,
    pub coupon_id: Option<i64>,
    pub history: bool,
    pub at: NaiveDateTime,
    pub staff_id: i64,
    pub created_at: &'a str,
    pub sv_principal_fen: i64,
    pub sv_bonus_fen: i64,
}

const COLUMNS: &str = "id, receipt_no, kind, member_id, refund_of, gross_fen, discount_fen, paid_fen, refunded_fen,
    multiplier, points, gift, coupon_id, history, at, staff_id, sv_principal_fen, sv_bonus_fen";

fn row_to_receipt(r: &Row<'_>) -> crate::db::Result<ReceiptRow> {
    Ok(ReceiptRow {
        id: r.get(0)?,
        receipt_no: r.get(1)?,
        kind: r.get(2)?,
        member_id: r.get(3)?,
        refund_of: r.get(4)?,
        gross_fen: r.get(5)?,
        discount_fen: r.get(6)?,
        paid_fen: r.get(7)?,
        refunded_fen: r.get(8)?,
        multiplier: r.get(9)?,
        points: r.get(10)?,
        gift: r.get(11)?,
        coupon_id: r.get(12)?,
        history: r.get(13)?,
        at: r.get(14)?,
        staff_id: r.get(15)?,
        sv_principal_fen: r.get(16)?,
        sv_bonus_fen: r.get(17)?,
    })
}

pub fn insert(conn: &Connection, n: &NewReceipt<'_>) -> Result<i64> {
    let id = conn.prepare_cached(
        "INSERT INTO receipts (receipt_no, kind, member_id, refund_of, gross_fen, discount_fen, paid_fen, multiplier,
            points, gift, coupon_id, history, at, sale_date, staff_id, created_at, branch_id, counter, sv_principal_fen,
            sv_bonus_fen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) RETURNING id",
    )?
    .query_row(
        params![
            n.receipt_no,
            n.kind,
            n.member_id,
            n.refund_of,
            n.gross_fen,
            n.discount_fen,
            n.paid_fen,
            n.multiplier,
            n.points,
            n.gift,
            n.coupon_id,
            n.history,
            n.at,
            n.at.date(),
            n.staff_id,
            n.created_at,
            conn.station().branch_id,
            conn.station().counter,
            n.sv_principal_fen,
            n.sv_bonus_fen
        ],
        |r| r.get(0),
    )?;
    if n.kind == "sale" {
        crate::sales_months::add_sale(conn, n.member_id, conn.station().branch_id, n.at.date(), n.paid_fen)?;
    }
    Ok(id)
}

pub fn by_no(conn: &Connection, receipt_no: &str) -> Result<Option<ReceiptRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM receipts WHERE receipt_no = ?1 AND branch_id = ?2"))?
        .query_row(params![receipt_no, conn.station().branch_id], row_to_receipt)
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<ReceiptRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM receipts WHERE id = ?1"))?
        .query_row([id], row_to_receipt)
        .optional()?)
}

pub fn add_refunded(conn: &Connection, sale_id: i64, fen: i64) -> Result<()> {
    let before: Option<i64> = conn
        .prepare_cached("UPDATE receipts SET refunded_fen = refunded_fen + ?2 WHERE id = ?1 RETURNING refunded_fen")?
        .query_row(params![sale_id, fen], |r| r.get(0))
        .optional()?;
    match before {
        Some(after) => crate::sales_months::add_refund(conn, sale_id, after - fen, fen),
        None => Ok(()),
    }
}

/// What the refunds of a sale gave back to stored value so far: (principal, bonus) in fen.
pub fn sv_returned(conn: &Connection, sale_id: i64) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT CAST(coalesce(sum(sv_principal_fen), 0) AS BIGINT), CAST(coalesce(sum(sv_bonus_fen), 0) AS BIGINT)
             FROM receipts
             WHERE refund_of = ?1 AND kind = 'refund'",
        )?
        .query_row([sale_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// A member's receipts, newest first.
pub fn of_member(conn: &Connection, member_id: i64, limit: i64) -> Result<Vec<ReceiptRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM receipts WHERE member_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![member_id, limit], row_to_receipt)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A member's sales, counted up to `cap` (the rules only ask whether a sale is the first,
/// so a checkout never counts a long history: the cost stays the same for a member with
/// thousands of receipts).
pub fn sale_count_up_to(conn: &Connection, member_id: i64, cap: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM receipts WHERE member_id = ?1 AND kind = 'sale' LIMIT ?2) AS s",
        )?
        .query_row(params![member_id, cap], |r| r.get(0))?)
}

/// Sales of a member that paid at least `min_paid_fen` (the rule's threshold for a
/// referral, `loyalty::coupons::REFERRAL_SALE_MIN_PAID_FEN`), counted up to `cap`.
pub fn paid_sale_count_up_to(conn: &Connection, member_id: i64, min_paid_fen: i64, cap: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM receipts WHERE member_id = ?1 AND kind = 'sale' AND paid_fen >= ?2
                 LIMIT ?3) AS s",
        )?
        .query_row(params![member_id, min_paid_fen, cap], |r| r.get(0))?)
}

/// Receipt numbers that start with `prefix`, for suggesting the next one.
pub fn count_with_prefix(conn: &Connection, prefix: &str) -> Result<i64> {
    let hi = format!("{prefix}\u{7f}");
    Ok(conn
        .prepare_cached("SELECT count(*) FROM receipts WHERE branch_id = ?3 AND receipt_no >= ?1 AND receipt_no < ?2")?
        .query_row(params![prefix, hi, conn.station().branch_id], |r| r.get(0))?)
}

pub fn exists(conn: &Connection, receipt_no: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM receipts WHERE receipt_no = ?1 AND branch_id = ?2")?
        .exists(params![receipt_no, conn.station().branch_id])?)
}

/// The date of a member's last sale (kept on the member by the `receipts_sale_visits`
/// trigger).
pub fn last_sale_date(conn: &Connection, member_id: i64) -> Result<Option<NaiveDate>> {
    Ok(conn
        .prepare_cached("SELECT last_sale_date FROM members WHERE id = ?1")?
        .query_row([member_id], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM receipts", (), |r| r.get(0))?)
}
