//! `staff`: who works the desk, with their role and PIN hash.

use crate::Result;
use rusqlite::{Connection, OptionalExtension};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub pin_hash: Option<String>,
    pub active: bool,
}

pub fn insert(conn: &Connection, name: &str, role: &str, pin_hash: Option<&str>, now: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO staff (name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![name, role, pin_hash, now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<StaffRow>> {
    Ok(conn
        .query_row("SELECT id, name, role, pin_hash, active FROM staff WHERE id = ?1", [id], |r| {
            Ok(StaffRow { id: r.get(0)?, name: r.get(1)?, role: r.get(2)?, pin_hash: r.get(3)?, active: r.get(4)? })
        })
        .optional()?)
}

pub fn first_manager(conn: &Connection) -> Result<Option<StaffRow>> {
    let id: Option<i64> = conn
        .query_row("SELECT id FROM staff WHERE role = 'manager' AND active = 1 ORDER BY id LIMIT 1", [], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => get(conn, id),
        None => Ok(None),
    }
}
