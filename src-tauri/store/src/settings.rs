//! Settings kept as JSON in `store_meta`, each change recorded in the append-only
//! `settings_history` (who, when, before, after).

use crate::db::{params, Connection};
use crate::Result;

pub fn save(conn: &Connection, key: &str, json: &str, staff_id: i64, at: &str) -> Result<()> {
    let before = crate::meta::get(conn, key)?;
    conn.execute(
        "INSERT INTO settings_history (at, staff_id, key, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, staff_id, key, before, json],
    )?;
    crate::meta::set(conn, key, json)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsChange {
    pub at: String,
    pub staff: Option<String>,
    pub key: String,
    pub before: Option<String>,
    pub after: String,
}

pub fn history(conn: &Connection, key: &str) -> Result<Vec<SettingsChange>> {
    let mut stmt = conn.prepare(
        "SELECT h.at, s.name, h.key, h.before, h.after FROM settings_history h LEFT JOIN staff s ON s.id = h.staff_id
         WHERE h.key = ?1 ORDER BY h.id DESC",
    )?;
    let rows = stmt
        .query_map([key], |r| {
            Ok(SettingsChange { at: r.get(0)?, staff: r.get(1)?, key: r.get(2)?, before: r.get(3)?, after: r.get(4)? })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
