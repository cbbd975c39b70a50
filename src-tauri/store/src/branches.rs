//! `branches`: the chain's shops (rules §15). A single store has one, `main` (本店).

use crate::db::{params, Connection, OptionalExtension, Row};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchRow {
    pub id: i64,
    pub code: String,
    pub name: String,
}

fn row(r: &Row<'_>) -> crate::db::Result<BranchRow> {
    Ok(BranchRow { id: r.get(0)?, code: r.get(1)?, name: r.get(2)? })
}

/// Every branch, the first one first.
pub fn list(conn: &Connection) -> Result<Vec<BranchRow>> {
    Ok(conn
        .prepare_cached("SELECT id, code, name FROM branches ORDER BY id")?
        .query_map((), row)?
        .collect::<crate::db::Result<Vec<_>>>()?)
}

pub fn by_code(conn: &Connection, code: &str) -> Result<Option<BranchRow>> {
    Ok(conn.prepare_cached("SELECT id, code, name FROM branches WHERE code = ?1")?.query_row([code], row).optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<BranchRow>> {
    Ok(conn.prepare_cached("SELECT id, code, name FROM branches WHERE id = ?1")?.query_row([id], row).optional()?)
}

pub fn insert(conn: &Connection, code: &str, name: &str, now: &str) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO branches (code, name, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        params![code, name, now],
        |r| r.get(0),
    )?)
}
