//! The contact list's tables — `holidays`, `contact_days`, `contact_entries`,
//! `contact_attempts`, `contact_scripts` — and the queries that find who is due on a day.
//! The finders of follow-ups, recall, expiring points and tier changes return candidates
//! by member id without reading the members table (on a busy day that is thousands of
//! lookups); [`contactables`] then reads every candidate once and keeps only members who
//! agreed to be contacted and are not archived. Recall and "first sale" read the member's
//! own `last_sale_date` and `first_sale_id` (kept by a trigger). The day's SMS greetings
//! live in [`crate::sms_batches`].

use crate::db::{params, Connection, OptionalExtension, Row, ToValue, Value};
use crate::{codes, typed, typed_opt, Result};
use chrono::NaiveDate;
use loyalty::contacts::Channel;
use loyalty::{Birthday, Calendar, Gender, Tier};

/// A holiday of the contact list as stored, and as the manager's screen edits it (`id` 0:
/// a new one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HolidayRow {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    pub calendar: String,
    pub month: u32,
    pub day: u32,
    pub audience: String,
    pub active: bool,
}

pub fn holidays(conn: &Connection) -> Result<Vec<HolidayRow>> {
    let mut stmt = conn.prepare("SELECT id, name, calendar, month, day, audience, active FROM holidays ORDER BY id")?;
    let rows = stmt
        .query_map((), |r| {
            Ok(HolidayRow {
                id: r.get(0)?,
                name: r.get(1)?,
                calendar: r.get(2)?,
                month: r.get(3)?,
                day: r.get(4)?,
                audience: r.get(5)?,
                active: r.get(6)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn save_holiday(conn: &Connection, h: &HolidayRow) -> Result<i64> {
    if h.id == 0 {
        conn.query_row(
            "INSERT INTO holidays (name, calendar, month, day, audience, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![h.name, h.calendar, h.month, h.day, h.audience, h.active],
            |r| r.get(0),
        )
        .map_err(Into::into)
    } else {
        conn.execute(
            "UPDATE holidays SET name = ?2, calendar = ?3, month = ?4, day = ?5, audience = ?6, active = ?7 WHERE id = ?1",
            params![h.id, h.name, h.calendar, h.month, h.day, h.audience, h.active],
        )?;
        Ok(h.id)
    }
}

/// What the list needs of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contactable {
    pub id: i64,
    pub member_no: String,
    pub gender: Gender,
    pub tier: Tier,
    pub vip: bool,
    pub birthday_calendar: Option<Calendar>,
    pub birthday_year: Option<i32>,
    pub birthday_month: Option<u32>,
    pub birthday_day: Option<u32>,
    pub birthday_leap: bool,
}

const CONTACTABLE: &str = "m.id, m.member_no, m.gender, m.tier, m.vip, m.birthday_calendar, m.birthday_year,
    m.birthday_month, m.birthday_day, m.birthday_leap";
const CAN_CONTACT: &str = "m.contact_ok = 1 AND m.archived = 0 AND m.phone IS NOT NULL";

fn row_to_contactable(r: &Row<'_>) -> crate::db::Result<Contactable> {
    Ok(Contactable {
        id: r.get(0)?,
        member_no: r.get(1)?,
        gender: typed(r, 2, codes::gender)?,
        tier: typed(r, 3, codes::tier)?,
        vip: r.get(4)?,
        birthday_calendar: typed_opt(r, 5, codes::calendar)?,
        birthday_year: r.get(6)?,
        birthday_month: r.get(7)?,
        birthday_day: r.get(8)?,
        birthday_leap: r.get(9)?,
    })
}

/// What a holiday's greeting needs of a member: who it greets (gender, age) and the
/// channel (tier, VIP). Read for every member on a holiday, so kept lean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolidayAudienceRow {
    pub id: i64,
    pub gender: Gender,
    pub tier: Tier,
    pub vip: bool,
    pub birthday: Option<Birthday>,
}

/// Every member who may be contacted, for a holiday's greeting. `person`: also their gender
/// and birthday (needed only when one of the day's holidays is for women or for 60+;
/// otherwise they read as unknown). Read from the index kept for it (named, since the
/// planner would otherwise walk the phone index and fetch every row: six times slower on
/// 200,000 members).
pub fn holiday_audience(conn: &Connection, person: bool) -> Result<Vec<HolidayAudienceRow>> {
    // PostgreSQL's planner picks the index itself (an index-only scan of the partial index).
    let hint = match conn.engine() {
        crate::Engine::Sqlite => "INDEXED BY members_holiday_audience",
        crate::Engine::Postgres => "",
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT m.id, m.tier, m.vip {}
         FROM members m {hint} WHERE {CAN_CONTACT}",
        if person {
            ", m.gender, m.birthday_calendar, m.birthday_year, m.birthday_month, m.birthday_day, m.birthday_leap"
        } else {
            ""
        }
    ))?;
    let rows = stmt
        .query_map((), |r| {
            let mut row = HolidayAudienceRow {
                id: r.get(0)?,
                tier: typed(r, 1, codes::tier)?,
                vip: r.get(2)?,
                gender: Gender::Unknown,
                birthday: None,
            };
            if person {
                row.gender = typed(r, 3, codes::gender)?;
                let calendar = typed_opt(r, 4, codes::calendar)?;
                let (month, day): (Option<u32>, Option<u32>) = (r.get(6)?, r.get(7)?);
                if let (Some(calendar), Some(month), Some(day)) = (calendar, month, day) {
                    row.birthday = Some(Birthday { calendar, year: r.get(5)?, month, day, leap: r.get(8)? });
                }
            }
            Ok(row)
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The members among `ids` who may be contacted (any order; the others are left out).
pub fn contactables(conn: &Connection, ids: &[i64]) -> Result<Vec<Contactable>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).expect("ids serialise");
    let ids_of = crate::db::id_list(conn.engine());
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {CONTACTABLE} FROM members m WHERE m.id IN ({ids_of}) AND {CAN_CONTACT}"))?;
    let rows = stmt.query_map([list], row_to_contactable)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn contactable(conn: &Connection, id: i64) -> Result<Option<Contactable>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {CONTACTABLE} FROM members m WHERE m.id = ?1 AND {CAN_CONTACT}"))?
        .query_row([id], row_to_contactable)
        .optional()?)
}

/// Members with a birthday of this calendar on (month, day), and the leap flag for lunar.
pub fn with_birthday(
    conn: &Connection,
    calendar: &str,
    month: u32,
    day: u32,
    leap: Option<bool>,
) -> Result<Vec<Contactable>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONTACTABLE} FROM members m WHERE m.birthday_calendar = ?1 AND m.birthday_month = ?2
         AND m.birthday_day = ?3 AND (CAST(?4 AS BIGINT) IS NULL OR m.birthday_leap = ?4) AND {CAN_CONTACT}"
    ))?;
    let rows = stmt
        .query_map(params![calendar, month, day, leap], row_to_contactable)?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A sale as the follow-up rule weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleForFollowUp {
    pub member_id: i64,
    pub receipt_no: String,
    pub paid_fen: i64,
    /// Refunded by refunds dated on or before the list's day.
    pub refunded_fen: i64,
    /// The member's first sale.
    pub first: bool,
}

/// The sales of `sale_day` that may be due a follow-up call — those that paid at least
/// `min_paid_fen` (the setting) and the members' first sales — with what refunds dated on
/// or before `by` took back and whether each was the member's first, in the order they were
/// made. `loyalty::contacts::follow_up_due` decides which are due; the other sales of a busy
/// day (most of its 19,000 on the bench store) are not read out. Consent is checked by
/// [`contactables`], once for every member on the day's list.
///
/// Whether a sale was the first is a scalar subquery on purpose: PostgreSQL turns an
/// `EXISTS` over many rows into a hash of every member's first sale, a scan of the whole
/// members table (385 of the busiest day's 583 ms); this form probes the index once a sale.
pub fn sales_for_follow_up(
    conn: &Connection,
    sale_day: NaiveDate,
    by: NaiveDate,
    min_paid_fen: i64,
) -> Result<Vec<SaleForFollowUp>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.member_id, s.receipt_no, s.paid_fen,
                coalesce((SELECT sum(r.paid_fen) FROM receipts r WHERE r.refund_of = s.id AND r.sale_date <= ?2), 0),
                (SELECT 1 FROM members f WHERE f.first_sale_id = s.id LIMIT 1) IS NOT NULL
         FROM receipts s WHERE s.kind = 'sale' AND s.sale_date = ?1
           AND (s.paid_fen >= ?3 OR (SELECT 1 FROM members f WHERE f.first_sale_id = s.id LIMIT 1) IS NOT NULL)
         ORDER BY s.at, s.id",
    )?;
    let rows = stmt
        .query_map(params![sale_day, by, min_paid_fen], |r| {
            Ok(SaleForFollowUp {
                member_id: r.get(0)?,
                receipt_no: r.get(1)?,
                paid_fen: r.get(2)?,
                refunded_fen: r.get(3)?,
                first: r.get(4)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Members whose last sale was on `day` (consent: see [`sales_for_follow_up`]).
pub fn last_visit_on(conn: &Connection, day: NaiveDate) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM members WHERE last_sale_date = ?1")?;
    let rows = stmt.query_map([day], |r| r.get(0))?.collect::<crate::db::Result<Vec<i64>>>()?;
    Ok(rows)
}

/// Members with unspent points in lots whose last day is `day`: (member id, points)
/// (consent: see [`sales_for_follow_up`]).
pub fn expiring_on(conn: &Connection, day: NaiveDate) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, sum(remaining) FROM points_lots WHERE valid_until = ?1 AND remaining > 0 GROUP BY member_id",
    )?;
    let rows = stmt.query_map([day], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Tier changes of the run evaluated on `day`: (member id, from, to) (consent: see
/// [`sales_for_follow_up`]).
pub fn tier_changes_on(conn: &Connection, day: NaiveDate) -> Result<Vec<(i64, Tier, Tier)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.member_id, c.from_tier, c.to_tier FROM tier_changes c JOIN tier_runs r ON r.id = c.run_id
         WHERE r.evaluation_day = ?1",
    )?;
    let rows = stmt
        .query_map([day], |r| Ok((r.get(0)?, typed(r, 1, codes::tier)?, typed(r, 2, codes::tier)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn day_generated(conn: &Connection, day: NaiveDate) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM contact_days WHERE list_date = ?1")?.exists([day])?)
}

/// Forgets that the list of `day` was made when it listed nobody (the demo fills an empty
/// store after its first day's empty list, and makes the list again).
pub fn forget_empty_day(conn: &Connection, day: NaiveDate) -> Result<()> {
    conn.execute(
        "DELETE FROM contact_days WHERE list_date = ?1 AND entries = 0
         AND NOT EXISTS (SELECT 1 FROM contact_entries WHERE list_date = ?1)
         AND NOT EXISTS (SELECT 1 FROM contact_sms_batches WHERE list_date = ?1)",
        [day],
    )?;
    Ok(())
}

/// Records that the list of `day` was made: how many members are on it, and how long
/// making it took.
pub fn mark_day(
    conn: &Connection,
    day: NaiveDate,
    entries: i64,
    overdue: bool,
    now: &str,
    duration_ms: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO contact_days (list_date, entries, overdue, generated_at, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![day, entries, overdue, now, duration_ms],
    )?;
    Ok(())
}

/// How long making the list of `day` took, when it was made.
pub fn day_duration_ms(conn: &Connection, day: NaiveDate) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT duration_ms FROM contact_days WHERE list_date = ?1")?
        .query_row([day], |r| r.get(0))
        .optional()?
        .flatten())
}

/// A call entry of a day's list.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct NewEntry {
    pub member_id: i64,
    pub channel: Channel,
    /// The reasons (JSON).
    pub reasons: String,
    pub tier: Tier,
    pub vip: bool,
}

/// Adds the entries of a day's list at once (on a busy day thousands): on SQLite one
/// statement over a JSON array, which runs the table's checks once, not once a row; on
/// PostgreSQL one `COPY`. A member already on that day's list is an error: the list of a
/// day is made once.
pub fn insert_entries(conn: &Connection, list_date: NaiveDate, overdue: bool, entries: &[NewEntry]) -> Result<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    match conn.engine() {
        crate::Engine::Sqlite => {
            let rows = serde_json::to_string(entries).expect("entries serialise");
            let sql =
                "INSERT INTO contact_entries (list_date, member_id, channel, reasons, tier, vip, due_date, overdue)
                 SELECT ?1, e.value->>'member_id', e.value->>'channel', e.value->>'reasons', e.value->>'tier',
                        e.value->>'vip', ?1, ?2
                 FROM json_each(?3) e";
            Ok(conn.prepare_cached(sql)?.execute(params![list_date, overdue, rows])?)
        }
        crate::Engine::Postgres => {
            let day = list_date.to_value();
            let rows: Vec<Vec<Value>> = entries
                .iter()
                .map(|e| {
                    vec![
                        day.clone(),
                        Value::Int(e.member_id),
                        Value::Text(e.channel.code().to_string()),
                        Value::Text(e.reasons.clone()),
                        Value::Text(e.tier.code().to_string()),
                        Value::Int(i64::from(e.vip)),
                        day.clone(),
                        Value::Int(i64::from(overdue)),
                    ]
                })
                .collect();
            let written = conn
                .copy_in(
                    "contact_entries (list_date, member_id, channel, reasons, tier, vip, due_date, overdue)",
                    &rows,
                )
                .expect("a PostgreSQL connection copies")?;
            Ok(written as usize)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub list_date: NaiveDate,
    pub member_id: i64,
    pub member_no: String,
    pub name: String,
    pub gender: Gender,
    pub phone: Option<String>,
    pub notes: String,
    pub channel: Channel,
    pub reasons: String,
    pub tier: Tier,
    pub vip: bool,
    pub status: String,
    pub due_date: NaiveDate,
    pub attempts: i64,
    pub outcome_note: String,
    pub overdue: bool,
}

const ENTRY: &str = "e.id, e.list_date, e.member_id, m.member_no, m.name, m.gender, m.phone, m.notes, e.channel,
    e.reasons, e.tier, e.vip, e.status, e.due_date, e.attempts, e.outcome_note, e.overdue";

fn row_to_entry(r: &Row<'_>) -> crate::db::Result<EntryRow> {
    Ok(EntryRow {
        id: r.get(0)?,
        list_date: r.get(1)?,
        member_id: r.get(2)?,
        member_no: r.get(3)?,
        name: r.get(4)?,
        gender: typed(r, 5, codes::gender)?,
        phone: r.get(6)?,
        notes: r.get(7)?,
        channel: typed(r, 8, codes::channel)?,
        reasons: r.get(9)?,
        tier: typed(r, 10, codes::tier)?,
        vip: r.get(11)?,
        status: r.get(12)?,
        due_date: r.get(13)?,
        attempts: r.get(14)?,
        outcome_note: r.get(15)?,
        overdue: r.get(16)?,
    })
}

/// The entries generated for a day.
pub fn entries_of_day(conn: &Connection, day: NaiveDate) -> Result<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY} FROM contact_entries e JOIN members m ON m.id = e.member_id WHERE e.list_date = ?1"
    ))?;
    let rows = stmt.query_map([day], row_to_entry)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Entries still to work on `day`: pending, not answered yet or rescheduled, due by then;
/// members who withdrew consent since are left out.
pub fn open_entries(conn: &Connection, day: NaiveDate) -> Result<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY} FROM contact_entries e JOIN members m ON m.id = e.member_id
         WHERE e.status IN ('pending', 'no_answer', 'rescheduled') AND e.due_date <= ?1
           AND m.contact_ok = 1 AND m.archived = 0"
    ))?;
    let rows = stmt.query_map([day], row_to_entry)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One member's entries still open and due by `day` (whatever their consent now).
pub fn open_entries_of_member(conn: &Connection, member_id: i64, day: NaiveDate) -> Result<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY} FROM contact_entries e JOIN members m ON m.id = e.member_id
         WHERE e.member_id = ?1 AND e.status IN ('pending', 'no_answer', 'rescheduled') AND e.due_date <= ?2"
    ))?;
    let rows = stmt.query_map(params![member_id, day], row_to_entry)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The members among `ids` who may still be contacted, as entries of an SMS batch
/// (`id` 0: a batch's greetings are not worked one by one), in member order.
pub fn batch_entries(
    conn: &Connection,
    ids: &[i64],
    list_date: NaiveDate,
    reasons: &str,
    status: &str,
    overdue: bool,
) -> Result<Vec<EntryRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).expect("ids serialise");
    let ids_of = crate::db::id_list(conn.engine());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT m.id, m.member_no, m.name, m.gender, m.phone, m.notes, m.tier, m.vip FROM members m
         WHERE m.id IN ({ids_of}) AND {CAN_CONTACT} ORDER BY m.id"
    ))?;
    let rows = stmt
        .query_map([list], |r| {
            Ok(EntryRow {
                id: 0,
                list_date,
                member_id: r.get(0)?,
                member_no: r.get(1)?,
                name: r.get(2)?,
                gender: typed(r, 3, codes::gender)?,
                phone: r.get(4)?,
                notes: r.get(5)?,
                channel: Channel::Sms,
                reasons: reasons.into(),
                tier: typed(r, 6, codes::tier)?,
                vip: r.get(7)?,
                status: status.into(),
                due_date: list_date,
                attempts: 0,
                outcome_note: String::new(),
                overdue,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn entry(conn: &Connection, id: i64) -> Result<Option<EntryRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY} FROM contact_entries e JOIN members m ON m.id = e.member_id WHERE e.id = ?1"
        ))?
        .query_row([id], row_to_entry)
        .optional()?)
}

pub fn update_entry(conn: &Connection, id: i64, status: &str, due: NaiveDate, attempts: i64, note: &str) -> Result<()> {
    conn.execute(
        "UPDATE contact_entries SET status = ?2, due_date = ?3, attempts = ?4, outcome_note = ?5 WHERE id = ?1",
        params![id, status, due, attempts, note],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn log_attempt(
    conn: &Connection,
    entry_id: i64,
    member_id: i64,
    staff_id: i64,
    at: &str,
    outcome: &str,
    note: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO contact_attempts (entry_id, member_id, staff_id, at, outcome, note, branch_id, counter)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![entry_id, member_id, staff_id, at, outcome, note, conn.station().branch_id, conn.station().counter],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub at: String,
    pub staff: Option<String>,
    pub outcome: String,
    pub note: String,
    pub list_date: NaiveDate,
}

/// A member's contact attempts, newest first.
pub fn attempts_of_member(conn: &Connection, member_id: i64, limit: i64) -> Result<Vec<AttemptRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, s.name, a.outcome, a.note, e.list_date FROM contact_attempts a
         JOIN contact_entries e ON e.id = a.entry_id LEFT JOIN staff s ON s.id = a.staff_id
         WHERE a.member_id = ?1 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![member_id, limit], |r| {
            Ok(AttemptRow {
                at: r.get(0)?,
                staff: r.get(1)?,
                outcome: r.get(2)?,
                note: r.get(3)?,
                list_date: r.get(4)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn scripts(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT kind, text FROM contact_scripts ORDER BY CASE kind WHEN 'birthday' THEN 1 WHEN 'holiday' THEN 2
         WHEN 'follow_up' THEN 3 WHEN 'lapsed' THEN 4 WHEN 'points_expiring' THEN 5 WHEN 'tier_change' THEN 6 ELSE 7 END, kind")?;
    let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn save_script(conn: &Connection, kind: &str, text: &str) -> Result<bool> {
    Ok(conn.execute("UPDATE contact_scripts SET text = ?2 WHERE kind = ?1", params![kind, text])? == 1)
}

pub fn set_contact_ok(conn: &Connection, member_id: i64, ok: bool) -> Result<()> {
    conn.execute("UPDATE members SET contact_ok = ?2 WHERE id = ?1", params![member_id, ok])?;
    Ok(())
}
