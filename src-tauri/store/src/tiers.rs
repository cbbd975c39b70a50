//! `tier_runs` and `tier_changes`, and the window facts a tier evaluation reads: net spend
//! and visits of checkouts dated in the window (refunds counted up to the evaluation
//! day), interactions in the window, and successful referrals (the referee's first paid
//! checkout) in the window and ever.

use crate::db::{params, Connection, OptionalExtension};
use crate::Result;
use chrono::NaiveDate;
use loyalty::figures::counts_as_visit;
use std::collections::HashMap;

/// What one member did in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowFacts {
    pub net_fen: i64,
    pub visits: i64,
    pub interactions: i64,
    pub referrals: i64,
    /// Successful referrals dated before the window's end, ever.
    pub referrals_ever: i64,
    pub ever_referred: bool,
}

/// Facts of every member with any activity, for the window `[start, until)`; refunds and
/// referrals count when dated before `until`. `member` narrows it to one member.
pub fn window_facts(
    conn: &Connection,
    start: NaiveDate,
    until: NaiveDate,
    member: Option<i64>,
) -> Result<HashMap<i64, WindowFacts>> {
    let mut facts: HashMap<i64, WindowFacts> = HashMap::new();
    // A sale keeps what was refunded of it (`refunded_fen`). The window's sales are read
    // with that as it stands today, from the sales' covering index alone (in day order for
    // every member, by the member index for one); then what was refunded on or after
    // `until` is given back, from those few refunds only. Reading every refund ever, and
    // the sales in member order through the member index, cost 45 s of a 50 s run on the
    // 1,000,000-member store; joining the late refunds to each sale kept PostgreSQL from
    // reading the index alone (docs/performance.md).
    let sales = match (member, conn.engine()) {
        (None, crate::Engine::Sqlite) => "receipts s INDEXED BY receipts_sale_facts",
        _ => "receipts s",
    };
    // For every member no per-row test of the member (a constant the engine checks once).
    let (of_member, of_member_s) = match member {
        Some(_) => ("AND member_id = ?3", "AND s.member_id = ?3"),
        None => ("AND CAST(?3 AS BIGINT) IS NULL", "AND CAST(?3 AS BIGINT) IS NULL"),
    };
    bulk_read_settings(conn)?;
    match conn.engine() {
        // SQLite: the sales added up per member as they stream by in the index's day order.
        // Its `GROUP BY member_id` sorted the window's 7.3 million sales by member first,
        // spilling its sorter to temporary files: a third of the run at a million members.
        crate::Engine::Sqlite => {
            conn.prepare_cached(&format!(
                "SELECT s.member_id, s.paid_fen, s.refunded_fen FROM {sales}
                 WHERE s.kind = 'sale' AND s.sale_date >= ?1 AND s.sale_date < ?2 {of_member_s}"
            ))?
            .for_each(params![start, until, member], |r| {
                add_window_sale(&mut facts, r.get(0)?, r.get(1)?, r.get(2)?);
                Ok(())
            })?;
        }
        // PostgreSQL, every member: the sales come as COPY's text lines, from the covering
        // index alone, and are added up here as they come, as on SQLite. The server's own
        // hash aggregate of 7.3 million sales into 958,000 members took 6–7 s of a 14 s run
        // at a million members, where it reads them in 1.9 s; streamed, the server reads
        // while this process adds up (docs/performance.md). The values put into the query
        // are two formatted dates.
        crate::Engine::Postgres if member.is_none() => {
            conn.copy_out(
                &format!(
                    "SELECT member_id, paid_fen, refunded_fen FROM receipts
                     WHERE kind = 'sale' AND sale_date >= '{start}' AND sale_date < '{until}'"
                ),
                |fields| {
                    let number = |i: usize| -> crate::db::Result<i64> {
                        let text = fields.get(i).copied().flatten().unwrap_or("");
                        text.parse().map_err(|_| crate::db::Error::Conversion {
                            column: i,
                            detail: format!("window sale: {text}"),
                        })
                    };
                    add_window_sale(&mut facts, number(0)?, number(1)?, number(2)?);
                    Ok(())
                },
            )
            .expect("a PostgreSQL connection copies")?;
        }
        // One member's sales: grouped by the server, one row back.
        crate::Engine::Postgres => {
            let mut spend = conn.prepare_cached(&format!(
                "SELECT s.member_id, sum(s.paid_fen - s.refunded_fen),
                        sum(CASE WHEN s.paid_fen = 0 OR s.refunded_fen < s.paid_fen THEN 1 ELSE 0 END)
                 FROM {sales}
                 WHERE s.kind = 'sale' AND s.sale_date >= ?1 AND s.sale_date < ?2 {of_member_s}
                 GROUP BY s.member_id"
            ))?;
            for row in spend.query_map(params![start, until, member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                let (id, net_fen, visits) = row?;
                let f = facts.entry(id).or_default();
                f.net_fen = net_fen;
                f.visits = visits;
            }
        }
    }
    // The refunds dated on or after `until` of the window's sales: their amount back in
    // the spend, and a sale they had refunded in full counted as a visit again.
    let mut late = conn.prepare_cached(
        "SELECT s.member_id, sum(l.back),
                sum((CASE WHEN s.paid_fen = 0 OR s.refunded_fen - l.back < s.paid_fen THEN 1 ELSE 0 END)
                  - (CASE WHEN s.paid_fen = 0 OR s.refunded_fen < s.paid_fen THEN 1 ELSE 0 END))
         FROM (SELECT refund_of AS sale_id, sum(paid_fen) AS back FROM receipts
               WHERE kind = 'refund' AND sale_date >= ?2 GROUP BY refund_of) l
         JOIN receipts s ON s.id = l.sale_id
         WHERE s.kind = 'sale' AND s.sale_date >= ?1 AND s.sale_date < ?2 AND (CAST(?3 AS BIGINT) IS NULL OR s.member_id = ?3)
         GROUP BY s.member_id",
    )?;
    for row in late.query_map(params![start, until, member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (id, back, visits): (i64, i64, i64) = row?;
        let f = facts.entry(id).or_default();
        f.net_fen += back;
        f.visits += visits;
    }
    let mut inter = conn.prepare_cached(&format!(
        "SELECT member_id, count(*) FROM interactions WHERE on_date >= ?1 AND on_date < ?2 {of_member}
         GROUP BY member_id"
    ))?;
    for row in inter.query_map(params![start, until, member], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (id, n) = row?;
        facts.entry(id).or_default().interactions = n;
    }
    // A referee's first paid sale is most often their first sale, which the member's row
    // names (`first_sale_id`): only when that one was paid nothing are their sales searched.
    let mut refs = conn.prepare_cached(
        "SELECT referrer, sum(CASE WHEN first >= ?1 THEN 1 ELSE 0 END), count(*) FROM (
            SELECT m.referred_by AS referrer,
                   CASE WHEN f.paid_fen >= ?4 THEN f.sale_date
                        ELSE (SELECT min(s.sale_date) FROM receipts s
                              WHERE s.member_id = m.id AND s.kind = 'sale' AND s.paid_fen >= ?4) END AS first
            FROM members m LEFT JOIN receipts f ON f.id = m.first_sale_id
            WHERE m.referred_by IS NOT NULL AND (CAST(?3 AS BIGINT) IS NULL OR m.referred_by = ?3)) firsts
         WHERE first < ?2 GROUP BY referrer",
    )?;
    let params = params![start, until, member, loyalty::coupons::REFERRAL_SALE_MIN_PAID_FEN];
    for row in refs.query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?)))? {
        let (id, referrals, count) = row?;
        let f = facts.entry(id).or_default();
        f.referrals = referrals;
        f.referrals_ever = count;
        f.ever_referred = count > 0;
    }
    Ok(facts)
}

/// One sale of the window added to its member's facts as the sales stream by: its net
/// spend, and a visit by loyalty's rule.
fn add_window_sale(facts: &mut HashMap<i64, WindowFacts>, member: i64, paid_fen: i64, refunded_fen: i64) {
    let f = facts.entry(member).or_default();
    f.net_fen += paid_fen - refunded_fen;
    f.visits += i64::from(counts_as_visit(paid_fen, refunded_fen));
}

/// PostgreSQL, for the rest of the transaction: the memory a bulk read's grouping of every
/// member may take, and the cost of reading an index page out of order. With the default
/// 4 MB the window's aggregate of 780,000 members spilled to disk in 64 partitions. At the
/// default `random_page_cost` of 4 (a spinning disk's) the planner read the window's 7.3
/// million sales through the day index and the table (4.1 s of `EXPLAIN ANALYZE`) rather
/// than from the sales' covering index alone (1.9 s), whose 838 MB it costed as random
/// disk reads; a store's pages are read from memory or an SSD, which 1.1 prices. Outside
/// a transaction it changes nothing; SQLite has no such settings.
pub(crate) fn bulk_read_settings(conn: &Connection) -> Result<()> {
    if conn.engine() == crate::Engine::Postgres {
        conn.query_row(
            "SELECT set_config('work_mem', '256MB', true) || set_config('random_page_cost', '1.1', true)",
            (),
            |r| r.get::<_, String>(0),
        )?;
    }
    Ok(())
}

/// Every member still in the program, with their tier.
pub fn active_members(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare("SELECT id, tier FROM members WHERE archived = 0 ORDER BY id")?;
    let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn set_tier(conn: &Connection, member_id: i64, tier: &str) -> Result<()> {
    conn.prepare_cached("UPDATE members SET tier = ?2 WHERE id = ?1")?.execute(params![member_id, tier])?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub month: String,
    pub evaluation_day: NaiveDate,
    pub evaluated: i64,
    pub changed: i64,
    pub duration_ms: i64,
    pub distribution: String,
}

pub struct NewRun<'a> {
    pub month: &'a str,
    pub evaluation_day: NaiveDate,
    pub evaluated: i64,
    pub changed: i64,
    pub duration_ms: i64,
    pub settings: &'a str,
    pub distribution: &'a str,
    pub created_at: &'a str,
}

pub fn insert_run(conn: &Connection, r: &NewRun<'_>) -> Result<i64> {
    conn.query_row(
        "INSERT INTO tier_runs (month, evaluation_day, evaluated, changed, duration_ms, settings, distribution, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![r.month, r.evaluation_day, r.evaluated, r.changed, r.duration_ms, r.settings, r.distribution, r.created_at],
        |r| r.get(0),
    )
    .map_err(Into::into)
}

/// Forgets a month's run that evaluated nobody (made on an empty store, before the demo
/// filled it).
pub fn forget_empty_run(conn: &Connection, month: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM tier_runs WHERE month = ?1 AND evaluated = 0
         AND NOT EXISTS (SELECT 1 FROM tier_changes c WHERE c.run_id = tier_runs.id)",
        [month],
    )?;
    Ok(())
}

pub fn finish_run(conn: &Connection, run_id: i64, changed: i64, duration_ms: i64, distribution: &str) -> Result<()> {
    conn.execute(
        "UPDATE tier_runs SET changed = ?2, duration_ms = ?3, distribution = ?4 WHERE id = ?1",
        params![run_id, changed, duration_ms, distribution],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn insert_change(
    conn: &Connection,
    run_id: i64,
    member_id: i64,
    from: &str,
    to: &str,
    score: &str,
    consumption: &str,
    interaction: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tier_changes (run_id, member_id, from_tier, to_tier, score, consumption, interaction)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![run_id, member_id, from, to, score, consumption, interaction])?;
    Ok(())
}

fn row_to_run(r: &crate::db::Row<'_>) -> crate::db::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        month: r.get(1)?,
        evaluation_day: r.get(2)?,
        evaluated: r.get(3)?,
        changed: r.get(4)?,
        duration_ms: r.get(5)?,
        distribution: r.get(6)?,
    })
}

pub fn run_of_month(conn: &Connection, month: &str) -> Result<Option<RunRow>> {
    Ok(conn
        .query_row(
            "SELECT id, month, evaluation_day, evaluated, changed, duration_ms, distribution FROM tier_runs WHERE month = ?1",
            [month],
            row_to_run,
        )
        .optional()?)
}

pub fn latest_run(conn: &Connection) -> Result<Option<RunRow>> {
    Ok(conn
        .query_row(
            "SELECT id, month, evaluation_day, evaluated, changed, duration_ms, distribution FROM tier_runs
             ORDER BY month DESC LIMIT 1",
            (),
            row_to_run,
        )
        .optional()?)
}

/// Runs of the months in `[from, to]` (as `YYYY-MM`), oldest first.
pub fn runs_between(conn: &Connection, from: &str, to: &str) -> Result<Vec<RunRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, month, evaluation_day, evaluated, changed, duration_ms, distribution FROM tier_runs
         WHERE month >= ?1 AND month <= ?2 ORDER BY month",
    )?;
    let rows = stmt.query_map([from, to], row_to_run)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub member_no: String,
    pub name: String,
    pub from_tier: loyalty::Tier,
    pub to_tier: loyalty::Tier,
    pub score: String,
    pub consumption: String,
    pub interaction: String,
}

pub fn changes_of_run(conn: &Connection, run_id: i64) -> Result<Vec<ChangeRow>> {
    let mut stmt = conn.prepare(
        "SELECT m.member_no, m.name, c.from_tier, c.to_tier, c.score, c.consumption, c.interaction
         FROM tier_changes c JOIN members m ON m.id = c.member_id WHERE c.run_id = ?1 ORDER BY m.member_no",
    )?;
    let rows = stmt
        .query_map([run_id], |r| {
            Ok(ChangeRow {
                member_no: r.get(0)?,
                name: r.get(1)?,
                from_tier: crate::typed(r, 2, crate::codes::tier)?,
                to_tier: crate::typed(r, 3, crate::codes::tier)?,
                score: r.get(4)?,
                consumption: r.get(5)?,
                interaction: r.get(6)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The member's tier in force on `day`: set by the latest run on or before it; before any
/// change, the tier the first later change started from; else the current tier.
pub fn tier_on(conn: &Connection, member_id: i64, day: NaiveDate, current: loyalty::Tier) -> Result<loyalty::Tier> {
    let then: Option<loyalty::Tier> = conn
        .prepare_cached(&format!("SELECT {}", tier_on_sql("?1", "?2")))?
        .query_row(params![member_id, day], |r| crate::typed_opt(r, 0, crate::codes::tier))?;
    Ok(then.unwrap_or(current))
}

/// The tier in force for the member of placeholder `member` on the day of placeholder `day`
/// as the runs recorded it, NULL when no run changed it: one expression (one round trip on
/// a server; `COALESCE` asks the second query only when the first finds nothing), also
/// part of the till's check.
pub(crate) fn tier_on_sql(member: &str, day: &str) -> String {
    format!(
        "COALESCE(
            (SELECT c.to_tier FROM tier_changes c JOIN tier_runs r ON r.id = c.run_id
             WHERE c.member_id = {member} AND r.evaluation_day <= {day} ORDER BY r.evaluation_day DESC LIMIT 1),
            (SELECT c.from_tier FROM tier_changes c JOIN tier_runs r ON r.id = c.run_id
             WHERE c.member_id = {member} AND r.evaluation_day > {day} ORDER BY r.evaluation_day LIMIT 1))"
    )
}

/// Every member's tier in force on any day, read once: their current tier and the changes
/// the runs recorded. A large import of history asks this for each of millions of receipts,
/// where a query each ([`tier_on`]) was a seventh of the import (docs/performance.md). It
/// answers as [`tier_on`] does.
#[derive(Debug, Default)]
pub struct TierTimeline {
    current: HashMap<i64, loyalty::Tier>,
    /// Per member, (evaluation day, from, to) in day order.
    changes: HashMap<i64, Vec<(NaiveDate, loyalty::Tier, loyalty::Tier)>>,
}

impl TierTimeline {
    pub fn read(conn: &Connection) -> Result<TierTimeline> {
        let mut timeline = TierTimeline::default();
        // Streamed: a million members are not held as rows first as well.
        let current = &mut timeline.current;
        conn.prepare("SELECT id, tier FROM members")?.for_each((), |r| {
            current.insert(r.get::<_, i64>(0)?, crate::typed(r, 1, crate::codes::tier)?);
            Ok(())
        })?;
        let mut changes = conn.prepare(
            "SELECT c.member_id, r.evaluation_day, c.from_tier, c.to_tier
             FROM tier_changes c JOIN tier_runs r ON r.id = c.run_id
             ORDER BY c.member_id, r.evaluation_day, c.id",
        )?;
        let rows = changes.query_map((), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, NaiveDate>(1)?,
                crate::typed(r, 2, crate::codes::tier)?,
                crate::typed(r, 3, crate::codes::tier)?,
            ))
        })?;
        for row in rows {
            let (member_id, day, from, to) = row?;
            timeline.changes.entry(member_id).or_default().push((day, from, to));
        }
        Ok(timeline)
    }

    /// The member's tier on `day`: set by the latest run on or before it; before any change,
    /// the tier the first later change started from; else the current tier (`None`: no such
    /// member).
    pub fn tier_on(&self, member_id: i64, day: NaiveDate) -> Option<loyalty::Tier> {
        let current = *self.current.get(&member_id)?;
        let Some(changes) = self.changes.get(&member_id).filter(|c| !c.is_empty()) else {
            return Some(current);
        };
        let on_or_before = changes.partition_point(|(d, _, _)| *d <= day);
        Some(if on_or_before > 0 { changes[on_or_before - 1].2 } else { changes[0].1 })
    }
}
