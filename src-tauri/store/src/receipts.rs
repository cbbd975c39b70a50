//! `receipts`: sales and refunds, each under its receipt number (unique in the store).
//! A sale keeps what was refunded of it so far.

use crate::db::{params, Connection, OptionalExtension, Row, ToValue};
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
    insert_with(conn, n, "id", |r| r.get(0))
}

/// The same, giving the row as stored (one statement: the till needs no second read).
pub fn insert_returning_row(conn: &Connection, n: &NewReceipt<'_>) -> Result<ReceiptRow> {
    insert_with(conn, n, COLUMNS, row_to_receipt)
}

fn insert_with<T>(
    conn: &Connection,
    n: &NewReceipt<'_>,
    returning: &str,
    read: impl FnOnce(&Row<'_>) -> crate::db::Result<T>,
) -> Result<T> {
    let out = conn.prepare_cached(&format!("{INSERT} RETURNING {returning}"))?.query_row(values(conn, n), read)?;
    if n.kind == "sale" {
        crate::sales_months::add_sale(conn, n.member_id, conn.station().branch_id, n.at.date(), n.paid_fen)?;
    }
    Ok(out)
}

/// The columns a new receipt is written with, in the order of [`values`].
macro_rules! insert_columns {
    () => {
        "receipt_no, kind, member_id, refund_of, gross_fen, discount_fen, paid_fen, multiplier, points, gift,
        coupon_id, history, at, sale_date, staff_id, created_at, branch_id, counter, sv_principal_fen, sv_bonus_fen"
    };
}
const INSERT_COLUMNS: &str = insert_columns!();

const INSERT: &str = concat!(
    "INSERT INTO receipts (",
    insert_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
);

/// The values of [`INSERT`] for `n`, written at this connection's branch and counter.
fn values(conn: &Connection, n: &NewReceipt<'_>) -> Vec<crate::db::Value> {
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
    ]
    .iter()
    .map(|v| v.to_value())
    .collect()
}

/// What a checkout checks before it writes, read in one statement (one round trip on a
/// server): the member's payment PIN and stored-value account, whether they have any sale
/// yet (the first-sale rules), whether the receipt number is taken in this branch, the
/// store's opening day and the member's tier in force on the sale's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillCheck {
    /// The day the tier was read for.
    pub day: NaiveDate,
    /// The tier in force on `day` as the tier runs recorded it; `None`: no run changed it
    /// (the member's current tier holds), as [`crate::tiers::tier_on`] says.
    pub tier_then: Option<loyalty::Tier>,
    pub opening_day: Option<NaiveDate>,
    pub pin: crate::stored_value::PinState,
    /// (principal, bonus) in fen.
    pub account: (i64, i64),
    pub has_sale: bool,
    /// A receipt of this branch has the number (read it with [`by_no`]).
    pub receipt_taken: bool,
    /// A top-up of this branch has the number.
    pub top_up_taken: bool,
}

pub fn till_check(conn: &Connection, member_id: i64, receipt_no: &str, day: NaiveDate) -> Result<TillCheck> {
    let sql = format!(
        "SELECT m.sv_pin_hash, m.sv_pin_fails, m.sv_pin_failed_on, m.sv_principal_fen, m.sv_bonus_fen,
             CASE WHEN m.first_sale_id IS NULL THEN 0 ELSE 1 END,
             CASE WHEN EXISTS (SELECT 1 FROM receipts WHERE receipt_no = ?2 AND branch_id = ?3) THEN 1 ELSE 0 END,
             CASE WHEN EXISTS (SELECT 1 FROM top_ups WHERE receipt_no = ?2 AND branch_id = ?3) THEN 1 ELSE 0 END,
             ({}), (SELECT value FROM store_meta WHERE key = ?5)
         FROM members m WHERE m.id = ?1",
        crate::tiers::tier_on_sql("?1", "?4")
    );
    Ok(conn.prepare_cached(&sql)?.query_row(
        params![member_id, receipt_no, conn.station().branch_id, day, crate::meta::OPENING_DAY],
        |r| {
            let opening: Option<String> = r.get(9)?;
            Ok(TillCheck {
                day,
                tier_then: crate::typed_opt(r, 8, crate::codes::tier)?,
                // As `meta::get_date` reads it.
                opening_day: opening.and_then(|t| t.parse().ok()),
                pin: crate::stored_value::PinState { hash: r.get(0)?, fails: r.get(1)?, failed_on: r.get(2)? },
                account: (r.get(3)?, r.get(4)?),
                has_sale: r.get(5)?,
                receipt_taken: r.get(6)?,
                top_up_taken: r.get(7)?,
            })
        },
    )?)
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

/// Which of `numbers` this branch has recorded, five hundred a statement: an import checks
/// its file's receipts so, where a statement each was a round trip each on PostgreSQL (ten
/// million of them for a file of ten million purchases).
pub fn recorded_among(conn: &Connection, numbers: &[&str]) -> Result<std::collections::HashSet<String>> {
    const A_STATEMENT: usize = 500;
    let mut found = std::collections::HashSet::new();
    let branch = conn.station().branch_id;
    for chunk in numbers.chunks(A_STATEMENT) {
        let list = (2..chunk.len() + 2).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let mut values = vec![branch.to_value()];
        values.extend(chunk.iter().map(|n| n.to_value()));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT receipt_no FROM receipts WHERE branch_id = ?1 AND receipt_no IN ({list})"
        ))?;
        for n in stmt.query_map(values, |r| r.get::<_, String>(0))? {
            found.insert(n?);
        }
    }
    Ok(found)
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

/// The receipts' indexes a history load reads while it writes, kept: a refund finds the
/// month's other sales of its member (`sales_months`), by member.
const LOAD_READS: &[&str] = &["receipts_member"];

/// A bulk load of receipts in progress (the demo's history, a large purchases import; in
/// one transaction): the receipts' date indexes are set aside, the trigger that keeps each
/// member's first and last sale stands by, and the receipts written through
/// [`HistoryLoad::insert`] add nothing to the month sums, so that each row costs a write of
/// the table, of its unique receipt number and of the member index (which the load reads).
/// [`HistoryLoad::finish`] builds the indexes again, each in one sorted pass, sets every
/// member's first and last sale from their receipts in one statement, as the trigger would
/// have left them, and builds the month sums again from the receipts, month by month.
///
/// On PostgreSQL a purchases import loads this way only into a store without receipts (a
/// chain's first import of its history, before its counters open): its receipts' indexes
/// but the member index, and their foreign keys, are set aside too, and the receipts go
/// with `COPY` a thousand at a time under ids reserved from the table's sequence, where
/// each had been several statements and round trips of the everyday path
/// (docs/performance.md). Another counter's checkout waits for such an import to commit,
/// and so do its lookups once `finish` rewrites the members.
#[must_use = "the indexes come back only with finish"]
pub struct HistoryLoad {
    /// The `CREATE INDEX` statements of the indexes set aside (and on PostgreSQL the
    /// `ALTER TABLE` statements of the foreign keys).
    indexes: Vec<String>,
    /// SQLite: the trigger's `CREATE TRIGGER`; PostgreSQL: the setting that ends its standby.
    triggers: Vec<String>,
    /// PostgreSQL, an import: the receipts waiting for their `COPY` (`None`: each is a
    /// statement).
    copy: Option<ReceiptCopy>,
}

/// The receipts of a PostgreSQL load, waiting for their `COPY`.
struct ReceiptCopy {
    ids: crate::copy_load::ReservedIds,
    rows: crate::copy_load::CopyRows,
}

impl HistoryLoad {
    /// Sets the indexes and the trigger aside, inside the caller's transaction (a failure
    /// later rolls all of it back: the store keeps its indexes).
    pub fn start(conn: &Connection) -> Result<HistoryLoad> {
        HistoryLoad::start_keeping(conn, LOAD_READS)
    }

    /// [`HistoryLoad::start`] for a load that reads no receipt while it writes (the demo's
    /// history, whose refunds name their sale by id): the member index is set aside too
    /// and built in one sorted pass at the end, where each of ten million receipts in time
    /// order had landed at a random place in it.
    pub fn start_unread(conn: &Connection) -> Result<HistoryLoad> {
        HistoryLoad::start_keeping(conn, &[])
    }

    fn start_keeping(conn: &Connection, keep: &[&str]) -> Result<HistoryLoad> {
        let triggers = match conn.engine() {
            crate::Engine::Sqlite => {
                let mut stmt = conn
                    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'receipts'")?;
                let triggers = stmt
                    .query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                    .collect::<crate::db::Result<Vec<_>>>()?;
                for (name, _) in &triggers {
                    conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
                }
                triggers.into_iter().map(|(_, sql)| sql).collect()
            }
            crate::Engine::Postgres => {
                // The trigger function stands by while this is on (migration 11).
                conn.execute_batch("SET LOCAL memberdesk.copying = 'on'")?;
                vec!["SET LOCAL memberdesk.copying = 'off'".to_string()]
            }
        };
        let indexes = crate::set_indexes_aside(conn, "receipts", keep)?;
        Ok(HistoryLoad { indexes, triggers, copy: None })
    }

    /// The same for an import of `rows` receipts of history, when it pays: on SQLite, and
    /// only when the store holds no more receipts than the file brings, since building the
    /// indexes again reads all of them. A SQLite import holds the write lock throughout
    /// anyway; on PostgreSQL the other counters go on reading and writing receipts during
    /// an import, and a dropped index would lock them out until it commits (`None`: the
    /// rows go in one by one).
    ///
    /// On PostgreSQL from [`crate::members::PG_LOAD_FROM`] receipts, into a store that holds
    /// none: then nothing the other counters wrote is rebuilt under them, and the indexes
    /// and keys set aside lock out only what would have found no receipt.
    pub fn for_import(conn: &Connection, rows: usize) -> Result<Option<HistoryLoad>> {
        match conn.engine() {
            crate::Engine::Sqlite if (rows as i64) >= count(conn)? => Ok(Some(HistoryLoad::start(conn)?)),
            crate::Engine::Postgres
                if rows >= crate::members::PG_LOAD_FROM && !conn.prepare("SELECT 1 FROM receipts")?.exists(())? =>
            {
                let mut load = HistoryLoad::start(conn)?;
                load.indexes.extend(crate::set_keys_aside(conn, "receipts", false)?);
                // Its trigger off rather than standing by: it fired for every row to do nothing.
                conn.execute_batch("ALTER TABLE receipts DISABLE TRIGGER USER")?;
                load.triggers.push("ALTER TABLE receipts ENABLE TRIGGER USER".to_string());
                load.copy = Some(ReceiptCopy {
                    ids: crate::copy_load::ReservedIds::new("receipts"),
                    rows: crate::copy_load::CopyRows::new(format!("receipts (id, {INSERT_COLUMNS})")),
                });
                Ok(Some(load))
            }
            _ => Ok(None),
        }
    }

    /// Writes a receipt of the load. Its month's sums (`sales_months`) are left to
    /// [`HistoryLoad::finish`], which builds them from all the receipts at once. On
    /// PostgreSQL, in an import, the receipt waits for its block's `COPY`: a statement that
    /// reads receipts is preceded by [`HistoryLoad::send`].
    pub fn insert(&mut self, conn: &Connection, n: &NewReceipt<'_>) -> Result<i64> {
        let Some(copy) = &mut self.copy else {
            return Ok(conn.insert_id(INSERT, values(conn, n))?);
        };
        let id = copy.ids.next(conn)?;
        let mut row = vec![id.to_value()];
        row.extend(values(conn, n));
        copy.rows.push(row);
        if copy.rows.len() >= crate::copy_load::COPY_BLOCK {
            copy.rows.send(conn)?;
        }
        Ok(id)
    }

    /// Sends the receipts waiting (PostgreSQL, an import): before a statement that reads
    /// them (a refund finding its sale).
    pub fn send(&mut self, conn: &Connection) -> Result<()> {
        match &mut self.copy {
            Some(copy) => copy.rows.send(conn),
            None => Ok(()),
        }
    }

    /// `fen` more refunded of the sale `sale_id`, written during the load: the month's sums
    /// are [`HistoryLoad::finish`]'s.
    pub fn add_refunded(&self, conn: &Connection, sale_id: i64, fen: i64) -> Result<()> {
        conn.prepare_cached("UPDATE receipts SET refunded_fen = refunded_fen + ?2 WHERE id = ?1")?
            .execute(params![sale_id, fen])?;
        Ok(())
    }

    /// Builds the indexes again, puts the trigger back, sets each member's first sale
    /// (the earliest by day, time and id) and last sale day from the receipts, and builds
    /// the month sums of every sale (`sales_months`) again from them. A receipt written
    /// during the load by the everyday path (a refund of the import's) may have added to
    /// the sums already: they are built whole, so nothing is counted twice.
    pub fn finish(mut self, conn: &Connection) -> Result<()> {
        self.send(conn)?;
        crate::build_again(conn, &self.indexes)?;
        for sql in &self.triggers {
            conn.execute_batch(sql)?;
        }
        match conn.engine() {
            crate::Engine::Sqlite => set_first_and_last_sales(conn)?,
            // The sales in one sorted pass, each member's first row and last day joined to
            // the members. (Three subqueries a member had been planned against the
            // statistics of the empty table the load began with: a scan of every receipt for
            // each, 33 s for 20,000 members and 200,000 receipts: docs/performance.md.) The
            // rows just loaded are counted for the statements that follow.
            crate::Engine::Postgres => {
                conn.execute_batch("ANALYZE receipts")?;
                // An import's load rewrites a million member rows here: with the members'
                // indexes and keys in place each row went into fourteen indexes and had
                // its first sale's key checked (156 s at a million members,
                // docs/performance.md); set aside, they are built again after it.
                let members_aside = match self.copy {
                    Some(_) => {
                        let mut aside = crate::set_indexes_aside(conn, "members", &[])?;
                        aside.extend(crate::set_keys_aside(conn, "members", false)?);
                        aside
                    }
                    None => Vec::new(),
                };
                conn.execute(
                    "UPDATE members SET first_sale_id = f.id, first_sale_date = f.sale_date, last_sale_date = f.last_day
                     FROM (SELECT DISTINCT ON (member_id) member_id, id, sale_date,
                                  max(sale_date) OVER (PARTITION BY member_id) AS last_day
                           FROM receipts WHERE kind = 'sale'
                           ORDER BY member_id, sale_date, at, id) f
                     WHERE members.id = f.member_id",
                    (),
                )?;
                crate::build_again(conn, &members_aside)?;
            }
        }
        crate::sales_months::rebuild_all(conn)
    }
}

/// A member's first sale (the earliest by day, time and id: the key the trigger and
/// [`HistoryLoad::finish`]'s PostgreSQL statement order by) and last sale day, as the
/// sales stream by.
struct FirstAndLast {
    first: (String, String, i64),
    last_day: String,
}

/// Sets every member with a sale their first sale and last sale day from one pass over the
/// sales in the table's order (SQLite). The statement with a subquery a column for each
/// member read every member's receipts three times, each receipt's row for its kind: a
/// twentieth of building the demo store. Day and time are compared as the text the
/// database orders them by.
fn set_first_and_last_sales(conn: &Connection) -> Result<()> {
    let mut members: std::collections::HashMap<i64, FirstAndLast> = std::collections::HashMap::new();
    conn.prepare("SELECT id, member_id, sale_date, at FROM receipts WHERE kind = 'sale'")?.for_each((), |r| {
        let (id, member): (i64, i64) = (r.get(0)?, r.get(1)?);
        r.text(2, |day| {
            r.text(3, |at| {
                let (day, at) = (day.unwrap_or(""), at.unwrap_or(""));
                match members.get_mut(&member) {
                    None => {
                        members.insert(
                            member,
                            FirstAndLast { first: (day.to_string(), at.to_string(), id), last_day: day.to_string() },
                        );
                    }
                    Some(m) => {
                        let (first_day, first_at, first_id) = &m.first;
                        if (day, at, id) < (first_day.as_str(), first_at.as_str(), *first_id) {
                            m.first = (day.to_string(), at.to_string(), id);
                        }
                        if day > m.last_day.as_str() {
                            m.last_day = day.to_string();
                        }
                    }
                }
            })
        })??;
        Ok(())
    })?;
    let mut members: Vec<(i64, FirstAndLast)> = members.into_iter().collect();
    members.sort_unstable_by_key(|(id, _)| *id);
    let mut update =
        conn.prepare("UPDATE members SET first_sale_id = ?2, first_sale_date = ?3, last_sale_date = ?4 WHERE id = ?1")?;
    for (member, m) in &members {
        update.execute(params![member, m.first.2, m.first.0, m.last_day])?;
    }
    Ok(())
}
