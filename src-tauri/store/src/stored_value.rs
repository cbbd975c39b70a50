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
    /// Brought in from another system by an import (principal only).
    Opening,
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
            SvKind::Opening => "opening",
        }
    }

    pub fn from_code(code: &str) -> Option<SvKind> {
        [SvKind::TopUp, SvKind::Bonus, SvKind::Spend, SvKind::Refund, SvKind::Payout, SvKind::Merge, SvKind::Opening]
            .into_iter()
            .find(|k| k.code() == code)
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
    // Nothing reads the entry back: on a server it goes with the next statement.
    conn.execute_later(
        "INSERT INTO sv_ledger (member_id, kind, principal_fen, bonus_fen, principal_after, bonus_after, top_up_id,
             receipt_id, reason, on_date, staff_id, branch_id, counter, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
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
        ],
    )?;
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
    pub staff_id: i64,
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
        staff_id: r.get(9)?,
    })
}

/// The top-up of this branch with this receipt number.
pub fn top_up_by_no(conn: &Connection, receipt_no: &str) -> Result<Option<TopUpRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, receipt_no, member_id, amount_fen, rule_id, bonus_fen, bonus_points, bonus_coupon_id, at,
                 staff_id
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

/// A member's payment PIN: its Argon2 hash (none set: no PIN is asked), and the wrong tries
/// counted on the store day `failed_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinState {
    pub hash: Option<String>,
    pub fails: i64,
    pub failed_on: Option<NaiveDate>,
}

pub fn pin_state(conn: &Connection, member_id: i64) -> Result<PinState> {
    Ok(conn
        .prepare_cached("SELECT sv_pin_hash, sv_pin_fails, sv_pin_failed_on FROM members WHERE id = ?1")?
        .query_row([member_id], |r| Ok(PinState { hash: r.get(0)?, fails: r.get(1)?, failed_on: r.get(2)? }))?)
}

/// Sets (or with `None` removes) the PIN's hash; the count of wrong tries starts again.
pub fn set_pin(conn: &Connection, member_id: i64, hash: Option<&str>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE members SET sv_pin_hash = ?2, sv_pin_fails = 0, sv_pin_failed_on = NULL WHERE id = ?1",
    )?
    .execute(params![member_id, hash])?;
    Ok(())
}

/// Counts one wrong try on `day` (a count from an earlier day starts again) and returns the
/// tries counted that day.
pub fn count_pin_failure(conn: &Connection, member_id: i64, day: NaiveDate) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "UPDATE members SET
                 sv_pin_fails = CASE WHEN sv_pin_failed_on = ?2 THEN sv_pin_fails + 1 ELSE 1 END,
                 sv_pin_failed_on = ?2
             WHERE id = ?1 RETURNING sv_pin_fails",
        )?
        .query_row(params![member_id, day], |r| r.get(0))?)
}

/// Forgets the wrong tries (after a right PIN).
pub fn clear_pin_failures(conn: &Connection, member_id: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE members SET sv_pin_fails = 0, sv_pin_failed_on = NULL WHERE id = ?1 AND sv_pin_fails <> 0",
    )?
    .execute([member_id])?;
    Ok(())
}

/// A new top-up rule (the manager's).
pub struct NewTopUpRule<'a> {
    pub threshold_fen: i64,
    /// `money`, `points` or `coupon`.
    pub bonus_kind: &'a str,
    pub bonus_fen: i64,
    pub bonus_points: i64,
    pub bonus_template: Option<&'a str>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub staff_id: i64,
    pub created_at: &'a str,
}

pub fn insert_rule(conn: &Connection, r: &NewTopUpRule<'_>) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO top_up_rules (threshold_fen, bonus_kind, bonus_fen, bonus_points, bonus_template, valid_from,
                 valid_until, active, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9) RETURNING id",
        )?
        .query_row(
            params![
                r.threshold_fen,
                r.bonus_kind,
                r.bonus_fen,
                r.bonus_points,
                r.bonus_template,
                r.valid_from,
                r.valid_until,
                r.created_at,
                r.staff_id
            ],
            |row| row.get(0),
        )?)
}

/// Retires an active rule (an edit names its successor); false when it was not active.
pub fn retire_rule(conn: &Connection, rule_id: i64, replaced_by: Option<i64>, staff_id: i64, at: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE top_up_rules SET active = 0, retired_at = ?4, retired_by = ?3, replaced_by = ?2
             WHERE id = ?1 AND active = 1",
        )?
        .execute(params![rule_id, replaced_by, staff_id, at])?
        == 1)
}

/// A rule's history: when it was made and by whom, and when it was retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHistory {
    pub created_at: String,
    pub created_by: Option<String>,
    pub retired_at: Option<String>,
    pub retired_by: Option<String>,
    pub replaced_by: Option<i64>,
}

/// The history of every rule, by id.
pub fn rule_history(conn: &Connection) -> Result<Vec<(i64, RuleHistory)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.created_at, c.name, r.retired_at, t.name, r.replaced_by FROM top_up_rules r
         LEFT JOIN staff c ON c.id = r.created_by LEFT JOIN staff t ON t.id = r.retired_by ORDER BY r.id",
    )?;
    let rows = stmt
        .query_map((), |r| {
            Ok((
                r.get(0)?,
                RuleHistory {
                    created_at: r.get(1)?,
                    created_by: r.get(2)?,
                    retired_at: r.get(3)?,
                    retired_by: r.get(4)?,
                    replaced_by: r.get(5)?,
                },
            ))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One entry of the stored-value ledger, for the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvLedgerRow {
    pub id: i64,
    pub member_no: String,
    pub name: String,
    pub kind: SvKind,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
    pub receipt_no: Option<String>,
    pub reason: String,
    pub on_date: NaiveDate,
    pub staff: Option<String>,
    pub branch: String,
    pub counter: String,
    pub created_at: String,
}

/// Every ledger entry dated `from ..= until`, in the order written; `f` sees each in turn
/// (the ledger of a big store is not held in memory).
pub fn for_each_entry(
    conn: &Connection,
    from: NaiveDate,
    until: NaiveDate,
    mut f: impl FnMut(SvLedgerRow) -> Result<()> + Send,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT l.id, m.member_no, m.name, l.kind, l.principal_fen, l.bonus_fen, l.principal_after, l.bonus_after,
                coalesce(r.receipt_no, t.receipt_no), l.reason, l.on_date, s.name, b.code, l.counter, l.created_at
         FROM sv_ledger l JOIN members m ON m.id = l.member_id
         LEFT JOIN receipts r ON r.id = l.receipt_id LEFT JOIN top_ups t ON t.id = l.top_up_id
         LEFT JOIN staff s ON s.id = l.staff_id JOIN branches b ON b.id = l.branch_id
         WHERE l.on_date >= ?1 AND l.on_date <= ?2 ORDER BY l.id",
    )?;
    let mut failed = None;
    stmt.for_each(params![from, until], |r| {
        let kind: String = r.get(3)?;
        let row = SvLedgerRow {
            id: r.get(0)?,
            member_no: r.get(1)?,
            name: r.get(2)?,
            kind: SvKind::from_code(&kind).ok_or_else(|| crate::db::Error::Conversion {
                column: 3,
                detail: format!("储值流水类型“{kind}”无法识别"),
            })?,
            principal_fen: r.get(4)?,
            bonus_fen: r.get(5)?,
            principal_after: r.get(6)?,
            bonus_after: r.get(7)?,
            receipt_no: r.get(8)?,
            reason: r.get(9)?,
            on_date: r.get(10)?,
            staff: r.get(11)?,
            branch: r.get(12)?,
            counter: r.get(13)?,
            created_at: r.get(14)?,
        };
        if failed.is_none() {
            if let Err(e) = f(row) {
                failed = Some(e);
            }
        }
        Ok(())
    })?;
    failed.map_or(Ok(()), Err)
}
