//! `points_ledger`: the append-only record of every change to a member's points. Appending
//! an entry also moves the member's cached balance, in the same statement group, so the
//! balance is always the sum of the ledger.

use crate::db::{params, Connection, ToValue};
use crate::Result;
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Earn,
    Redeem,
    Expire,
    Clawback,
    Adjust,
    Bonus,
}

impl LedgerKind {
    pub fn code(self) -> &'static str {
        match self {
            LedgerKind::Earn => "earn",
            LedgerKind::Redeem => "redeem",
            LedgerKind::Expire => "expire",
            LedgerKind::Clawback => "clawback",
            LedgerKind::Adjust => "adjust",
            LedgerKind::Bonus => "bonus",
        }
    }
}

pub struct LedgerEntry<'a> {
    pub member_id: i64,
    pub kind: LedgerKind,
    pub points: i64,
    pub receipt_id: Option<i64>,
    pub lot_id: Option<i64>,
    pub reason: &'a str,
    pub on_date: NaiveDate,
    pub staff_id: Option<i64>,
    pub created_at: &'a str,
}

/// Appends the entry, moves the member's balance, and returns the new balance.
pub fn append(conn: &Connection, e: &LedgerEntry<'_>) -> Result<i64> {
    let balance = crate::members::add_to_balance(conn, e.member_id, e.points)?;
    record(conn, e, balance)?;
    Ok(balance)
}

/// The same for an award whose points lot depends on the balance before it (a balance
/// below zero is made good first): the balance moves first, and its new value comes back
/// from that statement; `lot` gets the balance before, writes the lot and gives its id,
/// which the ledger row carries. One read fewer than reading the balance first.
pub fn append_with_lot(
    conn: &Connection,
    e: &LedgerEntry<'_>,
    lot: impl FnOnce(i64) -> Result<Option<i64>>,
) -> Result<i64> {
    let balance = crate::members::add_to_balance(conn, e.member_id, e.points)?;
    let lot_id = lot(balance - e.points)?;
    record(conn, &LedgerEntry { lot_id, ..*e }, balance)?;
    Ok(balance)
}

/// The ledger row and the month's sum; nothing reads them back, so on a server they go
/// with the next statement.
fn record(conn: &Connection, e: &LedgerEntry<'_>, balance: i64) -> Result<()> {
    insert_row(conn, e, balance)?;
    add_to_month(conn, e.on_date, e.kind.code(), e.member_id, e.points)
}

/// The columns of an entry, in the order of [`entry_values`].
macro_rules! entry_columns {
    () => {
        "member_id, kind, points, balance_after, receipt_id, lot_id, reason, on_date, staff_id, created_at"
    };
}

/// The ledger row alone.
fn insert_row(conn: &Connection, e: &LedgerEntry<'_>, balance: i64) -> Result<()> {
    conn.execute_later(
        concat!("INSERT INTO points_ledger (", entry_columns!(), ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        entry_values(e, balance),
    )?;
    Ok(())
}

/// An entry's values in the order of its columns, `balance` after it.
fn entry_values(e: &LedgerEntry<'_>, balance: i64) -> Vec<crate::db::Value> {
    params![
        e.member_id,
        e.kind.code(),
        e.points,
        balance,
        e.receipt_id,
        e.lot_id,
        e.reason,
        e.on_date,
        e.staff_id,
        e.created_at
    ]
    .iter()
    .map(|v| v.to_value())
    .collect()
}

/// The key of a member's points in `points_months`: the month of `on`, the kind, the slot.
fn month_key(on: NaiveDate, kind: &str, member_id: i64) -> (String, String, i64) {
    (on.format("%Y-%m").to_string(), kind.to_string(), member_id.rem_euclid(8))
}

/// Adds points to the month's sum of one kind (`points_months`, migration 11): a ledger
/// kind, or `lots` for the points issued in lots. The figures read these sums.
pub(crate) fn add_to_month(conn: &Connection, on: NaiveDate, kind: &str, member_id: i64, points: i64) -> Result<()> {
    add_to_sum(conn, &month_key(on, kind, member_id), points)
}

fn add_to_sum(conn: &Connection, (month, kind, slot): &(String, String, i64), points: i64) -> Result<()> {
    conn.execute_later(
        "INSERT INTO points_months (month, kind, slot, points) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (month, kind, slot) DO UPDATE SET points = points_months.points + excluded.points",
        params![month, kind, slot, points],
    )?;
    Ok(())
}

/// The opening balances of a members import, written member by member as they go in: the
/// member row carries its balance from its insert ([`crate::members::NewMember::points_balance`]),
/// so only its lot and its ledger entry are written here, and the month sums of all of them
/// once, by [`OpeningBalances::finish`]. Each had cost five statements, one of them
/// rewriting the member row just written and two adding to the same few month sums (a
/// sixth of a large members import: docs/performance.md).
///
/// On PostgreSQL, beside a members load that sends its members with `COPY`
/// ([`crate::members::MemberLoad::opening_balances`]), the lots and entries wait the same
/// way, each lot under an id reserved for it, and go when the loader sends them
/// ([`OpeningBalances::send`]), after the members they name.
#[must_use = "the month sums are written by finish"]
#[derive(Debug, Default)]
pub struct OpeningBalances {
    sums: std::collections::BTreeMap<(String, String, i64), i64>,
    copy: Option<BalanceCopy>,
    /// The lots' and ledger's indexes and foreign keys to build again after the last rows
    /// (set aside by a PostgreSQL load into an empty store).
    aside: Vec<String>,
}

/// The lots and ledger entries of a PostgreSQL load, waiting for their `COPY`.
#[derive(Debug)]
struct BalanceCopy {
    lot_ids: crate::copy_load::ReservedIds,
    lots: crate::copy_load::CopyRows,
    entries: crate::copy_load::CopyRows,
}

impl OpeningBalances {
    /// Opening balances written with a statement each (`copy` false, as `default()`), or
    /// sent with `COPY` (PostgreSQL only).
    /// `aside`: the statements that build the lots' and ledger's indexes and foreign keys
    /// again, run by `finish`.
    pub(crate) fn new(copy: bool, aside: Vec<String>) -> OpeningBalances {
        OpeningBalances {
            sums: Default::default(),
            aside,
            copy: copy.then(|| BalanceCopy {
                lot_ids: crate::copy_load::ReservedIds::new("points_lots"),
                lots: crate::copy_load::CopyRows::new(crate::lots::COPY_TARGET),
                entries: crate::copy_load::CopyRows::new(concat!("points_ledger (", entry_columns!(), ")")),
            }),
        }
    }

    /// The entry of a member just written with `e.points` as its balance (0 before it), and
    /// the lot the award makes (`None`: it makes none); the entry names the lot.
    pub fn record(
        &mut self,
        conn: &Connection,
        e: &LedgerEntry<'_>,
        lot: Option<crate::lots::NewLot<'_>>,
    ) -> Result<()> {
        let lot_id = match lot {
            Some(lot) => {
                *self.sums.entry(month_key(lot.earned_on, "lots", e.member_id)).or_default() += lot.points;
                Some(match &mut self.copy {
                    Some(copy) => {
                        let id = copy.lot_ids.next(conn)?;
                        let mut row = vec![id.to_value()];
                        row.extend(crate::lots::lot_values(&lot));
                        copy.lots.push(row);
                        id
                    }
                    None => crate::lots::insert_row(conn, &lot)?,
                })
            }
            None => None,
        };
        let entry = LedgerEntry { lot_id, ..*e };
        match &mut self.copy {
            Some(copy) => copy.entries.push(entry_values(&entry, e.points)),
            None => insert_row(conn, &entry, e.points)?,
        }
        *self.sums.entry(month_key(e.on_date, e.kind.code(), e.member_id)).or_default() += e.points;
        Ok(())
    }

    /// Sends the lots and entries waiting (PostgreSQL): after the members they name.
    pub fn send(&mut self, conn: &Connection) -> Result<()> {
        if let Some(copy) = &mut self.copy {
            copy.lots.send(conn)?;
            copy.entries.send(conn)?;
        }
        Ok(())
    }

    /// Sends what waits, builds again what was set aside and adds the month sums of every
    /// balance recorded.
    pub fn finish(mut self, conn: &Connection) -> Result<()> {
        self.send(conn)?;
        crate::build_again(conn, &self.aside)?;
        for (key, points) in &self.sums {
            add_to_sum(conn, key, *points)?;
        }
        Ok(())
    }
}

pub fn sum_for(conn: &Connection, member_id: i64) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(sum(points), 0) FROM points_ledger WHERE member_id = ?1", [member_id], |r| {
        r.get(0)
    })?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: i64,
    pub member_no: String,
    pub kind: String,
    pub points: i64,
    pub balance_after: i64,
    pub receipt_no: Option<String>,
    pub reason: String,
    pub on_date: NaiveDate,
    pub staff: Option<String>,
    pub created_at: String,
}

/// Ledger rows, oldest first; of one member or of the whole store.
pub fn rows(conn: &Connection, member_id: Option<i64>, limit: i64) -> Result<Vec<LedgerRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, m.member_no, l.kind, l.points, l.balance_after, r.receipt_no, l.reason, l.on_date, s.name,
                l.created_at
         FROM points_ledger l JOIN members m ON m.id = l.member_id
         LEFT JOIN receipts r ON r.id = l.receipt_id LEFT JOIN staff s ON s.id = l.staff_id
         WHERE (CAST(?1 AS BIGINT) IS NULL OR l.member_id = ?1) ORDER BY l.id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![member_id, limit], |r| {
            Ok(LedgerRow {
                id: r.get(0)?,
                member_no: r.get(1)?,
                kind: r.get(2)?,
                points: r.get(3)?,
                balance_after: r.get(4)?,
                receipt_no: r.get(5)?,
                reason: r.get(6)?,
                on_date: r.get(7)?,
                staff: r.get(8)?,
                created_at: r.get(9)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
