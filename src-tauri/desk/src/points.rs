//! Moving points in the store by the `loyalty` rules: awards (repaying a negative balance
//! first, the rest as a new lot), spending first-expiring-first, claw-back. Used inside the
//! caller's transaction; every move is one ledger entry.

use crate::DeskResult;
use chrono::NaiveDate;
use loyalty::points::{lot_valid_until, split_award, take_first_expiring, take_for_clawback};
use loyalty::ProgramSettings;
use store::ledger::{LedgerEntry, LedgerKind, OpeningBalances};
use store::lots::NewLot;
use store::Connection;

pub(crate) struct Award<'a> {
    pub member_id: i64,
    pub points: i64,
    pub kind: LedgerKind,
    pub source: &'a str,
    pub receipt_id: Option<i64>,
    pub earned_on: NaiveDate,
    pub reason: &'a str,
    pub staff_id: i64,
    pub now: &'a str,
}

/// Awards points; returns the new balance.
pub(crate) fn award(conn: &Connection, a: &Award<'_>, settings: &ProgramSettings) -> DeskResult<i64> {
    if a.points <= 0 {
        return Ok(store::members::get(conn, a.member_id)?.map(|m| m.points_balance).unwrap_or(0));
    }
    Ok(store::ledger::append_with_lot(conn, &entry(a), |before| {
        let split = split_award(before, a.points);
        if split.new_lot == 0 {
            return Ok(None);
        }
        let valid_until = lot_valid_until(a.earned_on, settings);
        store::lots::insert(conn, a.member_id, a.receipt_id, a.source, a.earned_on, valid_until, split.new_lot)
            .map(Some)
    })?)
}

/// The ledger entry of an award.
fn entry<'a>(a: &Award<'a>) -> LedgerEntry<'a> {
    LedgerEntry {
        member_id: a.member_id,
        kind: a.kind,
        points: a.points,
        receipt_id: a.receipt_id,
        lot_id: None,
        reason: a.reason,
        on_date: a.earned_on,
        staff_id: Some(a.staff_id),
        created_at: a.now,
    }
}

/// The award of a member's opening points (a members import), the member just written with
/// them as its balance: the lot and the entry [`award`] writes for a balance that was 0.
pub(crate) fn open_balance(
    conn: &Connection,
    balances: &mut OpeningBalances,
    a: &Award<'_>,
    settings: &ProgramSettings,
) -> DeskResult<()> {
    let split = split_award(0, a.points);
    let lot = (split.new_lot > 0).then(|| NewLot {
        member_id: a.member_id,
        receipt_id: a.receipt_id,
        source: a.source,
        earned_on: a.earned_on,
        valid_until: lot_valid_until(a.earned_on, settings),
        points: split.new_lot,
    });
    Ok(balances.record(conn, &entry(a), lot)?)
}

pub(crate) struct Spend<'a> {
    pub member_id: i64,
    pub points: i64,
    pub kind: LedgerKind,
    pub receipt_id: Option<i64>,
    /// For a claw-back: the receipt's own lot, taken first.
    pub own_lot: Option<i64>,
    /// Whether the balance may go below zero (claw-back) or the spend is refused.
    pub may_go_negative: bool,
    pub on_date: NaiveDate,
    pub reason: &'a str,
    pub staff_id: i64,
    pub now: &'a str,
}

/// Takes points from the lots; returns the new balance, or `Err(shortfall)` when the lots
/// cannot cover a spend that may not go negative (nothing is written then).
pub(crate) fn spend(conn: &Connection, s: &Spend<'_>) -> DeskResult<Result<i64, i64>> {
    let lots = store::lots::open_balances(conn, s.member_id)?;
    let (takes, shortfall) = if s.own_lot.is_some() {
        take_for_clawback(&lots, s.own_lot, s.points)
    } else {
        take_first_expiring(&lots, s.points)
    };
    if shortfall > 0 && !s.may_go_negative {
        return Ok(Err(shortfall));
    }
    for t in &takes {
        store::lots::take(conn, t.lot_id, t.points)?;
    }
    let balance = store::ledger::append(
        conn,
        &LedgerEntry {
            member_id: s.member_id,
            kind: s.kind,
            points: -s.points,
            receipt_id: s.receipt_id,
            lot_id: takes.first().map(|t| t.lot_id),
            reason: s.reason,
            on_date: s.on_date,
            staff_id: Some(s.staff_id),
            created_at: s.now,
        },
    )?;
    Ok(Ok(balance))
}
