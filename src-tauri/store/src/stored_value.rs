//! Stored value (储值, rules §14): the append-only `sv_ledger`, whose every entry moves the
//! member's cached principal and bonus in the same statement group (so each is always the
//! sum of its parts, and a CHECK keeps both ≥ 0), the top-ups with their receipt numbers,
//! and the manager's top-up rules. Which rule applies and how amounts split is
//! `loyalty::stored_value`.

use crate::db::{params, Connection, OptionalExtension, Row};
use crate::Result;
use chrono::{NaiveDate, NaiveDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvKind {
    TopUp,
    Bonus,
    Spend,
    Refund,
    Payout,
    /// Carried across by a merge (rules §2): out of the merged member, into the kept one.
    Merge,
}

impl SvKind {
    pub fn code(self) -> &'static str {
        match self {
            SvKind::TopUp => "top_up",
            SvKind::Bonus => "bonus",
            SvKind::Spend => "spend",
            SvKind::Refund => "refund",
            SvKind::Payout => "payout",
            SvKind::Merge => "merge",
        }
    }
}

/// One change to an account, in fen, signed (a payout is negative).
pub struct SvEntry<'a> {
    pub member_id: i64,
    pub kind: SvKind,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub top_up_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub reason: &'a str,
    pub on_date: NaiveDate,
    pub staff_id: Option<i64>,
    pub created_at: &'a str,
}

/// The account's principal and bonus, in fen.
pub fn account(conn: &Connection, member_id: i64) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached("SELECT sv_principal_fen, sv_bonus_fen FROM members WHERE id = ?1")?
        .query_row([member_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Appends the entry and moves the account; returns (principal, bonus) after it. An entry
/// that would take either below zero is refused by the database (CHECK), which the caller
/// has ruled out first.
pub fn append(conn: &Connection, e: &SvEntry<'_>) -> Result<(i64, i64)> {
    let (principal, bonus): (i64, i64) = conn
        .prepare_cached(
            "UPDATE members SET sv_principal_fen = sv_principal_fen + ?2, sv_bonus_fen = sv_bonus_fen + ?3
             WHERE id = ?1 RETURNING sv_principal_fen, sv_bonus_fen",
        )?
        .query_row(params![e.member_id, e.principal_fen, e.bonus_fen], |r| Ok((r.get(0)?, r.get(1)?)))?;
    conn.prepare_cached(
        "INSERT INTO sv_ledger (member_id, kind, principal_fen, bonus_fen, principal_after, bonus_after, top_up_id,
             receipt_id, reason, on_date, staff_id, branch_id, counter, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        e.member_id,
        e.kind.code(),
        e.principal_fen,
        e.bonus_fen,
        principal,
        bonus,
        e.top_up_id,
        e.receipt_id,
        e.reason,
        e.on_date,
        e.staff_id,
        conn.station().branch_id,
        conn.station().counter,
        e.created_at
    ])?;
    Ok((principal, bonus))
}

/// A top-up rule as the manager keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRuleRow {
    pub id: i64,
    pub threshold_fen: i64,
    /// `money`, `points` or `coupon`.
    pub bonus_kind: String,
    pub bonus_fen: i64,
    pub bonus_points: i64,
    /// The coupon template's key, for a coupon bonus.
    pub bonus_template: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub active: bool,
}

/// Every top-up rule, by threshold.
pub fn rules(conn: &Connection) -> Result<Vec<TopUpRuleRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, threshold_fen, bonus_kind, bonus_fen, bonus_points, bonus_template, valid_from, valid_until, active
         FROM top_up_rules ORDER BY threshold_fen, id",
    )?;
    let rows = stmt
        .query_map((), |r| {
            Ok(TopUpRuleRow {
                id: r.get(0)?,
                threshold_fen: r.get(1)?,
                bonus_kind: r.get(2)?,
                bonus_fen: r.get(3)?,
                bonus_points: r.get(4)?,
                bonus_template: r.get(5)?,
                valid_from: r.get(6)?,
                valid_until: r.get(7)?,
                active: r.get(8)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A recorded top-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRow {
    pub id: i64,
    pub receipt_no: String,
    pub member_id: i64,
    pub amount_fen: i64,
    pub rule_id: Option<i64>,
    pub bonus_fen: i64,
    pub bonus_points: i64,
    pub bonus_coupon_id: Option<i64>,
    pub at: NaiveDateTime,
}

fn row_to_top_up(r: &Row<'_>) -> crate::db::Result<TopUpRow> {
    Ok(TopUpRow {
        id: r.get(0)?,
        receipt_no: r.get(1)?,
        member_id: r.get(2)?,
        amount_fen: r.get(3)?,
        rule_id: r.get(4)?,
        bonus_fen: r.get(5)?,
        bonus_points: r.get(6)?,
        bonus_coupon_id: r.get(7)?,
        at: r.get(8)?,
    })
}

/// The top-up of this branch with this receipt number.
pub fn top_up_by_no(conn: &Connection, receipt_no: &str) -> Result<Option<TopUpRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, receipt_no, member_id, amount_fen, rule_id, bonus_fen, bonus_points, bonus_coupon_id, at
             FROM top_ups WHERE receipt_no = ?1 AND branch_id = ?2",
        )?
        .query_row(params![receipt_no, conn.station().branch_id], row_to_top_up)
        .optional()?)
}

/// What a new top-up records.
pub struct NewTopUp<'a> {
    pub receipt_no: &'a str,
    pub member_id: i64,
    pub amount_fen: i64,
    pub rule_id: Option<i64>,
    pub bonus_fen: i64,
    pub bonus_points: i64,
    pub at: NaiveDateTime,
    pub staff_id: i64,
    pub created_at: &'a str,
}

pub fn insert_top_up(conn: &Connection, t: &NewTopUp<'_>) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO top_ups (receipt_no, branch_id, counter, member_id, amount_fen, rule_id, bonus_fen,
                 bonus_points, at, staff_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
        )?
        .query_row(
            params![
                t.receipt_no,
                conn.station().branch_id,
                conn.station().counter,
                t.member_id,
                t.amount_fen,
                t.rule_id,
                t.bonus_fen,
                t.bonus_points,
                t.at,
                t.staff_id,
                t.created_at
            ],
            |r| r.get(0),
        )?)
}

/// Records the coupon a top-up gave.
pub fn set_top_up_coupon(conn: &Connection, top_up_id: i64, coupon_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE top_ups SET bonus_coupon_id = ?2 WHERE id = ?1")?
        .execute(params![top_up_id, coupon_id])?;
    Ok(())
}
