//! `audit_log`: the append-only record of every change — who, when, what, and before/after
//! where it matters (settings, adjustments).

use crate::Result;
use rusqlite::Connection;

pub struct AuditEntry<'a> {
    pub at: &'a str,
    pub staff_id: i64,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn append(conn: &Connection, e: &AuditEntry<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, staff_id, action, entity, entity_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![e.at, e.staff_id, e.action, e.entity, e.entity_id, e.before, e.after])?;
    Ok(())
}

pub fn count_for(conn: &Connection, action: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM audit_log WHERE action = ?1", [action], |r| r.get(0))?)
}
