//! `audit_log`: the append-only record of every change — who, when, what, the member it
//! concerns, and before/after where it matters (settings, adjustments) — and the manager's
//! filtered view of it.

use crate::db::Connection;
use crate::Result;

pub struct AuditEntry<'a> {
    pub at: &'a str,
    pub staff_id: i64,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub member_no: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn append(conn: &Connection, e: &AuditEntry<'_>) -> Result<()> {
    // Nothing reads the new row back: on PostgreSQL it goes with the next statement.
    conn.execute_later(
        "INSERT INTO audit_log (at, staff_id, action, entity, entity_id, member_no, before, after, branch_id, counter)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        crate::params![
            e.at,
            e.staff_id,
            e.action,
            e.entity,
            e.entity_id,
            e.member_no,
            e.before,
            e.after,
            conn.station().branch_id,
            conn.station().counter
        ],
    )?;
    Ok(())
}

pub fn count_for(conn: &Connection, action: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM audit_log WHERE action = ?1", [action], |r| r.get(0))?)
}

/// What the manager filters the log by; every part optional. Dates are inclusive days.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub staff_id: Option<i64>,
    pub action: Option<&'a str>,
    pub member_no: Option<&'a str>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub staff: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub member_no: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The entries that match, newest first. `action` matches any action that contains it, as
/// a filter box does (`member.` → enrol, update, archive…; `adjust` → points.adjust;
/// `lock` → locked, screen_lock, unlock).
pub fn query(conn: &Connection, f: &AuditFilter<'_>) -> Result<Vec<AuditRow>> {
    let to_end = f.to.map(|d| format!("{d} 99"));
    let action_like = f.action;
    let contains = match conn.engine() {
        crate::Engine::Sqlite => "instr(a.action, ?4) > 0",
        crate::Engine::Postgres => "strpos(a.action, ?4) > 0",
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, a.at, s.name, a.action, a.entity, a.entity_id, a.member_no, a.before, a.after
         FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id
         WHERE (CAST(?1 AS TEXT) IS NULL OR a.at >= ?1) AND (CAST(?2 AS TEXT) IS NULL OR a.at <= ?2)
           AND (CAST(?3 AS BIGINT) IS NULL OR a.staff_id = ?3) AND (CAST(?4 AS TEXT) IS NULL OR {contains})
           AND (CAST(?5 AS TEXT) IS NULL OR a.member_no = ?5)
         ORDER BY a.at DESC, a.id DESC LIMIT ?6"
    ))?;
    let rows = stmt
        .query_map(crate::params![f.from, to_end, f.staff_id, action_like, f.member_no, f.limit], |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at: r.get(1)?,
                staff: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                member_no: r.get(6)?,
                before: r.get(7)?,
                after: r.get(8)?,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
