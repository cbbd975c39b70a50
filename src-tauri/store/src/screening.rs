//! `screening_runs` and `screening_candidates` (rules §10): one run per quarter, and one row
//! per member it listed with the five criteria's numbers and whether each held, as they
//! were on the screening day, and the manager's decision. The window's facts come from
//! [`crate::tiers::window_facts`]; which criteria hold is decided in `loyalty::screening`.

use crate::db::{params, Connection, OptionalExtension};
use crate::{codes, typed, Result};
use chrono::NaiveDate;
use loyalty::Tier;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub quarter: String,
    pub screening_day: NaiveDate,
    pub window_start: NaiveDate,
    pub evaluated: i64,
    pub candidates: i64,
    pub threshold_fen: Option<i64>,
    pub duration_ms: i64,
}

const RUN: &str =
    "id, quarter, screening_day, window_start, evaluated, candidates, threshold_fen, duration_ms FROM screening_runs";

fn row_to_run(r: &crate::db::Row<'_>) -> crate::db::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        quarter: r.get(1)?,
        screening_day: r.get(2)?,
        window_start: r.get(3)?,
        evaluated: r.get(4)?,
        candidates: r.get(5)?,
        threshold_fen: r.get(6)?,
        duration_ms: r.get(7)?,
    })
}

pub fn run_of_quarter(conn: &Connection, quarter: &str) -> Result<Option<RunRow>> {
    Ok(conn.prepare_cached(&format!("SELECT {RUN} WHERE quarter = ?1"))?.query_row([quarter], row_to_run).optional()?)
}

/// The latest quarter screened.
pub fn latest_run(conn: &Connection) -> Result<Option<RunRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {RUN} ORDER BY screening_day DESC LIMIT 1"))?
        .query_row((), row_to_run)
        .optional()?)
}

pub struct NewRun<'a> {
    pub quarter: &'a str,
    pub screening_day: NaiveDate,
    pub window_start: NaiveDate,
    pub evaluated: i64,
    pub threshold_fen: Option<i64>,
    pub created_at: &'a str,
}

pub fn insert_run(conn: &Connection, r: &NewRun<'_>) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO screening_runs (quarter, screening_day, window_start, evaluated, candidates, threshold_fen,
                                     duration_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, 0, ?6) RETURNING id",
        params![r.quarter, r.screening_day, r.window_start, r.evaluated, r.threshold_fen, r.created_at],
        |r| r.get(0),
    )?)
}

/// Forgets a quarter's screening that evaluated nobody (made on an empty store, before the
/// demo filled it).
pub fn forget_empty_run(conn: &Connection, quarter: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM screening_runs WHERE quarter = ?1 AND evaluated = 0
         AND NOT EXISTS (SELECT 1 FROM screening_candidates c WHERE c.run_id = screening_runs.id)",
        [quarter],
    )?;
    Ok(())
}

pub fn finish_run(conn: &Connection, run_id: i64, candidates: i64, duration_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE screening_runs SET candidates = ?2, duration_ms = ?3 WHERE id = ?1",
        params![run_id, candidates, duration_ms],
    )?;
    Ok(())
}

/// A member as the screening lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCandidate {
    pub member_id: i64,
    pub visits: (i64, bool),
    pub referrals: (i64, bool),
    pub interactions: (i64, bool),
    pub net_fen: (i64, bool),
    pub tier: (Tier, bool),
    pub met: i64,
    pub was_vip: bool,
}

/// The columns of a listed member, in the order of [`candidate_values`].
const CANDIDATE_COLUMNS: &str = "run_id, member_id, visits, visits_met, referrals, referrals_met, interactions,
    interactions_met, net_fen, top_spend_met, tier, tier_met, met, was_vip";

fn candidate_values(run_id: i64, c: &NewCandidate) -> Vec<crate::db::Value> {
    let values: &[&dyn crate::db::ToValue] = params![
        run_id,
        c.member_id,
        c.visits.0,
        c.visits.1,
        c.referrals.0,
        c.referrals.1,
        c.interactions.0,
        c.interactions.1,
        c.net_fen.0,
        c.net_fen.1,
        c.tier.0.code(),
        c.tier.1,
        c.met,
        c.was_vip
    ];
    values.iter().map(|v| v.to_value()).collect()
}

/// Writes the members a run lists. On PostgreSQL they go with `COPY`, ten thousand at a
/// time: each had been a statement and a round trip of its own, 14,056 of them in the
/// quarter's screening of a million members (docs/performance.md). On SQLite each is an
/// insert of a prepared statement, in the process.
pub fn insert_candidates(conn: &Connection, run_id: i64, candidates: &[NewCandidate]) -> Result<()> {
    match conn.engine() {
        crate::Engine::Postgres => {
            let mut rows = crate::copy_load::CopyRows::new(format!("screening_candidates ({CANDIDATE_COLUMNS})"));
            for chunk in candidates.chunks(10 * crate::copy_load::COPY_BLOCK) {
                for c in chunk {
                    rows.push(candidate_values(run_id, c));
                }
                rows.send(conn)?;
            }
        }
        crate::Engine::Sqlite => {
            let mut ins = conn.prepare_cached(&format!(
                "INSERT INTO screening_candidates ({CANDIDATE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ))?;
            for c in candidates {
                ins.execute(candidate_values(run_id, c))?;
            }
        }
    }
    Ok(())
}

/// Members still in the program on the screening day: (id, current tier, VIP). On
/// PostgreSQL as `COPY`'s text lines: a million rows read one by one took most of a second.
pub fn members(conn: &Connection) -> Result<Vec<(i64, Tier, bool)>> {
    const MEMBERS: &str = "SELECT id, tier, vip FROM members WHERE archived = 0 ORDER BY id";
    let mut rows = Vec::new();
    let copied = conn.copy_out(MEMBERS, |fields| {
        let damaged = || crate::db::Error::Conversion { column: 0, detail: format!("screening member: {fields:?}") };
        let [Some(id), Some(tier), Some(vip)] = fields else { return Err(damaged()) };
        rows.push((
            id.parse().map_err(|_| damaged())?,
            codes::tier(tier).ok_or_else(damaged)?,
            vip.parse::<i64>().map_err(|_| damaged())? != 0,
        ));
        Ok(())
    });
    if let Some(done) = copied {
        done?;
        return Ok(rows);
    }
    let mut stmt = conn.prepare_cached(MEMBERS)?;
    let rows = stmt
        .query_map((), |r| Ok((r.get(0)?, typed(r, 1, codes::tier)?, r.get(2)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The tier each member had on `day`, for the members whose tier changed after it: the tier
/// the first later change started from (the others still have the tier they had then).
pub fn tiers_changed_after(conn: &Connection, day: NaiveDate) -> Result<HashMap<i64, Tier>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.member_id, c.from_tier FROM tier_changes c JOIN tier_runs r ON r.id = c.run_id
         WHERE r.evaluation_day > ?1 ORDER BY r.evaluation_day DESC",
    )?;
    let mut then = HashMap::new();
    // Newest first: the oldest later change is written last and stays.
    for row in stmt.query_map([day], |r| Ok((r.get::<_, i64>(0)?, typed(r, 1, codes::tier)?)))? {
        let (id, tier) = row?;
        then.insert(id, tier);
    }
    Ok(then)
}

/// A listed member with their criteria and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    pub id: i64,
    pub member_id: i64,
    pub member_no: String,
    pub name: String,
    pub vip_now: bool,
    pub visits: (i64, bool),
    pub referrals: (i64, bool),
    pub interactions: (i64, bool),
    pub net_fen: (i64, bool),
    pub tier: (Tier, bool),
    pub met: i64,
    pub was_vip: bool,
    pub status: String,
    pub note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

const CANDIDATE: &str = "c.id, c.member_id, m.member_no, m.name, m.vip, c.visits, c.visits_met, c.referrals,
    c.referrals_met, c.interactions, c.interactions_met, c.net_fen, c.top_spend_met, c.tier, c.tier_met, c.met,
    c.was_vip, c.status, c.note, s.name, c.decided_at
    FROM screening_candidates c JOIN members m ON m.id = c.member_id LEFT JOIN staff s ON s.id = c.decided_by";

fn row_to_candidate(r: &crate::db::Row<'_>) -> crate::db::Result<CandidateRow> {
    Ok(CandidateRow {
        id: r.get(0)?,
        member_id: r.get(1)?,
        member_no: r.get(2)?,
        name: r.get(3)?,
        vip_now: r.get(4)?,
        visits: (r.get(5)?, r.get(6)?),
        referrals: (r.get(7)?, r.get(8)?),
        interactions: (r.get(9)?, r.get(10)?),
        net_fen: (r.get(11)?, r.get(12)?),
        tier: (typed(r, 13, codes::tier)?, r.get(14)?),
        met: r.get(15)?,
        was_vip: r.get(16)?,
        status: r.get(17)?,
        note: r.get(18)?,
        decided_by: r.get(19)?,
        decided_at: r.get(20)?,
    })
}

/// The members a run listed: most criteria met first, then by spend.
pub fn candidates_of_run(conn: &Connection, run_id: i64) -> Result<Vec<CandidateRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CANDIDATE} WHERE c.run_id = ?1 ORDER BY c.met DESC, c.net_fen DESC, m.member_no"
    ))?;
    let rows = stmt.query_map([run_id], row_to_candidate)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn candidate(conn: &Connection, run_id: i64, member_id: i64) -> Result<Option<CandidateRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {CANDIDATE} WHERE c.run_id = ?1 AND c.member_id = ?2"))?
        .query_row(params![run_id, member_id], row_to_candidate)
        .optional()?)
}

/// Records the manager's decision on a listed member: `approved` or `dismissed`.
pub fn decide(
    conn: &Connection,
    candidate_id: i64,
    status: &str,
    note: &str,
    staff_id: Option<i64>,
    at: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE screening_candidates SET status = ?2, note = ?3, decided_by = ?4, decided_at = ?5 WHERE id = ?1",
        params![candidate_id, status, note, staff_id, at],
    )?;
    Ok(())
}

pub fn set_vip(conn: &Connection, member_id: i64, vip: bool, now: &str) -> Result<()> {
    conn.execute("UPDATE members SET vip = ?2, updated_at = ?3 WHERE id = ?1", params![member_id, vip, now])?;
    Ok(())
}
