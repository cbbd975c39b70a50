//! `coupon_templates`, `coupons` and `referral_rewards`: what the program issues, to whom,
//! and its state.

use crate::db::{params, Connection, OptionalExtension, Row, ToValue};
use crate::{codes, typed, Result};
use chrono::NaiveDate;
use loyalty::coupons::{CouponKind, CouponStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub kind: String,
    pub value: String,
    pub min_spend_fen: i64,
    pub days_valid: i64,
    pub active: bool,
}

fn row_to_template(r: &Row<'_>) -> crate::db::Result<TemplateRow> {
    Ok(TemplateRow {
        id: r.get(0)?,
        key: r.get(1)?,
        name: r.get(2)?,
        kind: r.get(3)?,
        value: r.get(4)?,
        min_spend_fen: r.get(5)?,
        days_valid: r.get(6)?,
        active: r.get(7)?,
    })
}

const TEMPLATE_COLUMNS: &str = "id, key, name, kind, value, min_spend_fen, days_valid, active";

pub fn template_by_key(conn: &Connection, key: &str) -> Result<Option<TemplateRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {TEMPLATE_COLUMNS} FROM coupon_templates WHERE key = ?1"))?
        .query_row([key], row_to_template)
        .optional()?)
}

pub fn template(conn: &Connection, id: i64) -> Result<Option<TemplateRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {TEMPLATE_COLUMNS} FROM coupon_templates WHERE id = ?1"))?
        .query_row([id], row_to_template)
        .optional()?)
}

pub fn templates(conn: &Connection) -> Result<Vec<TemplateRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {TEMPLATE_COLUMNS} FROM coupon_templates ORDER BY id"))?;
    let rows = stmt.query_map((), row_to_template)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn update_template(conn: &Connection, t: &TemplateRow) -> Result<()> {
    conn.execute(
        "UPDATE coupon_templates SET name = ?2, kind = ?3, value = ?4, min_spend_fen = ?5, days_valid = ?6, active = ?7
         WHERE id = ?1",
        params![t.id, t.name, t.kind, t.value, t.min_spend_fen, t.days_valid, t.active],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponRow {
    pub id: i64,
    pub code: String,
    pub template_key: String,
    pub member_id: i64,
    pub name: String,
    pub kind: CouponKind,
    pub value: rust_decimal::Decimal,
    pub min_spend_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: CouponStatus,
    pub reason: String,
    pub used_receipt: Option<i64>,
}

const COUPON_COLUMNS: &str = "c.id, c.code, t.key, c.member_id, c.name, c.kind, c.value, c.min_spend_fen, c.valid_from,
    c.valid_until, c.status, c.reason, c.used_receipt";

fn row_to_coupon(r: &Row<'_>) -> crate::db::Result<CouponRow> {
    Ok(CouponRow {
        id: r.get(0)?,
        code: r.get(1)?,
        template_key: r.get(2)?,
        member_id: r.get(3)?,
        name: r.get(4)?,
        kind: typed(r, 5, codes::coupon_kind)?,
        value: typed(r, 6, |t| t.parse().ok())?,
        min_spend_fen: r.get(7)?,
        valid_from: r.get(8)?,
        valid_until: r.get(9)?,
        status: typed(r, 10, codes::coupon_status)?,
        reason: r.get(11)?,
        used_receipt: r.get(12)?,
    })
}

pub struct NewCoupon<'a> {
    pub template: &'a TemplateRow,
    pub member_id: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub reason: &'a str,
    pub issued_at: &'a str,
}

/// Issues a coupon with the template's terms as they are now; `code_of` makes its code from
/// its id. Returns the id.
pub fn issue(conn: &Connection, c: &NewCoupon<'_>, code_of: impl Fn(i64) -> String) -> Result<i64> {
    Ok(issue_many(conn, std::slice::from_ref(c), code_of)?[0])
}

/// Issues several coupons at once, in order (a day's birthday and recall coupons): one read
/// of the next id and one insert per thousand, not two round trips per coupon, which a
/// database server pays for each. Returns their ids.
pub fn issue_many(conn: &Connection, coupons: &[NewCoupon<'_>], code_of: impl Fn(i64) -> String) -> Result<Vec<i64>> {
    if coupons.is_empty() {
        return Ok(Vec::new());
    }
    // The next id, read inside the caller's write transaction, so each code goes in with its
    // row (one insert into the code index, not a placeholder and a change).
    let first: i64 =
        conn.prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM coupons")?.query_row((), |r| r.get(0))?;
    const COLUMNS: usize = 12;
    // 12,000 parameters a statement: within SQLite's 32,766 and PostgreSQL's 65,535.
    const ROWS: usize = 1000;
    let mut ids = Vec::with_capacity(coupons.len());
    for (n, chunk) in coupons.chunks(ROWS).enumerate() {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=COLUMNS).map(|j| format!("?{}", i * COLUMNS + j)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let mut values = Vec::with_capacity(chunk.len() * COLUMNS);
        for (i, c) in chunk.iter().enumerate() {
            let id = first + (n * ROWS + i) as i64;
            ids.push(id);
            let row: [&dyn ToValue; COLUMNS] = [
                &id,
                &code_of(id),
                &c.template.id,
                &c.member_id,
                &c.template.name,
                &c.template.kind,
                &c.template.value,
                &c.template.min_spend_fen,
                &c.valid_from,
                &c.valid_until,
                &c.reason,
                &c.issued_at,
            ];
            values.extend(row.iter().map(|v| v.to_value()));
        }
        conn.prepare_cached(&format!(
            "INSERT INTO coupons (id, code, template_id, member_id, name, kind, value, min_spend_fen, valid_from,
                valid_until, reason, issued_at) VALUES {}",
            rows.join(", ")
        ))?
        .execute(values)?;
    }
    Ok(ids)
}

pub fn by_code(conn: &Connection, code: &str) -> Result<Option<CouponRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COUPON_COLUMNS} FROM coupons c JOIN coupon_templates t ON t.id = c.template_id WHERE c.code = ?1"
        ))?
        .query_row([code], row_to_coupon)
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<CouponRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COUPON_COLUMNS} FROM coupons c JOIN coupon_templates t ON t.id = c.template_id WHERE c.id = ?1"
        ))?
        .query_row([id], row_to_coupon)
        .optional()?)
}

/// A member's coupons: unused first (by last day), then the rest, newest first.
pub fn of_member(conn: &Connection, member_id: i64) -> Result<Vec<CouponRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COUPON_COLUMNS} FROM coupons c JOIN coupon_templates t ON t.id = c.template_id WHERE c.member_id = ?1
         ORDER BY c.status <> 'unused', CASE WHEN c.status = 'unused' THEN c.valid_until END, c.id DESC"
    ))?;
    let rows = stmt.query_map([member_id], row_to_coupon)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn mark_used(conn: &Connection, id: i64, receipt_id: i64, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE coupons SET status = 'used', used_receipt = ?2, used_at = ?3 WHERE id = ?1")?
        .execute(params![id, receipt_id, at])?;
    Ok(())
}

pub fn set_status(conn: &Connection, id: i64, status: &str) -> Result<()> {
    conn.prepare_cached("UPDATE coupons SET status = ?2 WHERE id = ?1")?.execute(params![id, status])?;
    if status == "unused" {
        conn.prepare_cached("UPDATE coupons SET used_receipt = NULL, used_at = NULL WHERE id = ?1")?.execute([id])?;
    }
    Ok(())
}

/// Marks unused coupons whose last day is before `store_date` as expired; returns how many.
pub fn expire_due(conn: &Connection, store_date: NaiveDate) -> Result<usize> {
    Ok(conn
        .execute("UPDATE coupons SET status = 'expired' WHERE status = 'unused' AND valid_until < ?1", [store_date])?)
}

/// Records the reward of a referee's first checkout; `false` when it was already given.
pub fn record_referral_reward(
    conn: &Connection,
    referee: i64,
    referrer: i64,
    receipt_id: i64,
    points: i64,
    coupon_id: Option<i64>,
    on_date: NaiveDate,
) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO referral_rewards (referee_id, referrer_id, receipt_id, points, coupon_id, on_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![referee, referrer, receipt_id, points, coupon_id, on_date],
    )?;
    Ok(n == 1)
}

pub fn referral_rewarded(conn: &Connection, referee: i64) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM referral_rewards WHERE referee_id = ?1")?.exists([referee])?)
}

/// The members a member referred, with whether each referral succeeded (a sale paying at
/// least `min_paid_fen`, the rule's threshold), by member number.
pub fn referees(conn: &Connection, referrer: i64, min_paid_fen: i64) -> Result<Vec<(String, String, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.member_no, m.name,
                EXISTS (SELECT 1 FROM receipts s WHERE s.member_id = m.id AND s.kind = 'sale' AND s.paid_fen >= ?2)
         FROM members m WHERE m.referred_by = ?1 ORDER BY m.member_no",
    )?;
    let rows = stmt
        .query_map(crate::params![referrer, min_paid_fen], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
