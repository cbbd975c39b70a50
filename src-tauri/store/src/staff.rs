//! `staff`: who works the desk, with their role, PIN hash, the count of wrong PINs in a row
//! and the time a locked account opens again. Accounts are never deleted; the built-in
//! command-line account (`builtin`) never signs in.

use crate::db::{Connection, OptionalExtension, Row};
use crate::Result;
use chrono::NaiveDateTime;
use loyalty::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub pin_hash: Option<String>,
    pub active: bool,
    pub builtin: bool,
    pub wrong_pins: u32,
    pub locked_until: Option<NaiveDateTime>,
    /// The branch the account belongs to; `None`: the whole chain.
    pub branch_id: Option<i64>,
    pub branch_code: Option<String>,
}

const COLUMNS: &str = "id, name, role, pin_hash, active, builtin, wrong_pins, locked_until, branch_id,
    (SELECT b.code FROM branches b WHERE b.id = staff.branch_id)";
const TIME: &str = "%Y-%m-%d %H:%M:%S";

fn row(r: &Row<'_>) -> crate::db::Result<StaffRow> {
    let role: String = r.get(2)?;
    let role = Role::parse(&role)
        .ok_or_else(|| crate::db::Error::Conversion { column: 2, detail: format!("未知角色 {role}") })?;
    let locked: Option<String> = r.get(7)?;
    Ok(StaffRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role,
        pin_hash: r.get(3)?,
        active: r.get(4)?,
        builtin: r.get(5)?,
        wrong_pins: r.get::<_, i64>(6)?.max(0) as u32,
        locked_until: locked.and_then(|t| NaiveDateTime::parse_from_str(&t, TIME).ok()),
        branch_id: r.get(8)?,
        branch_code: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, name: &str, role: Role, pin_hash: Option<&str>, now: &str) -> Result<i64> {
    conn.query_row(
        "INSERT INTO staff (name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        crate::params![name, role.code(), pin_hash, now],
        |r| r.get(0),
    )
    .map_err(Into::into)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<StaffRow>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM staff WHERE id = ?1"), [id], row).optional()?)
}

pub fn by_name(conn: &Connection, name: &str) -> Result<Option<StaffRow>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM staff WHERE name = ?1"), [name.trim()], row).optional()?)
}

/// Every account but the built-in one, in the order they were added.
pub fn list(conn: &Connection) -> Result<Vec<StaffRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM staff WHERE builtin = 0 ORDER BY id"))?;
    let rows = stmt.query_map((), row)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The built-in account the command line acts as while no account has a PIN.
pub fn command_line_account(conn: &Connection) -> Result<Option<StaffRow>> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM staff WHERE builtin = 1 ORDER BY id LIMIT 1"), (), row)
        .optional()?)
}

/// Whether any account has a PIN (then sign-in is required everywhere, rules §11).
pub fn any_pin(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM staff WHERE pin_hash IS NOT NULL AND builtin = 0)", (), |r| {
        r.get(0)
    })?)
}

/// The number of active managers and owners.
pub fn active_managers(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM staff WHERE active = 1 AND builtin = 0 AND role IN ('manager', 'owner')",
        (),
        |r| r.get(0),
    )?)
}

pub fn set_name(conn: &Connection, id: i64, name: &str) -> Result<()> {
    conn.execute("UPDATE staff SET name = ?2 WHERE id = ?1", crate::params![id, name])?;
    Ok(())
}

pub fn set_role(conn: &Connection, id: i64, role: Role) -> Result<()> {
    conn.execute("UPDATE staff SET role = ?2 WHERE id = ?1", crate::params![id, role.code()])?;
    Ok(())
}

/// A new PIN also clears the count of wrong PINs and any lock.
pub fn set_pin(conn: &Connection, id: i64, pin_hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE staff SET pin_hash = ?2, wrong_pins = 0, locked_until = NULL WHERE id = ?1",
        crate::params![id, pin_hash],
    )?;
    Ok(())
}

pub fn set_branch(conn: &Connection, id: i64, branch_id: Option<i64>) -> Result<()> {
    conn.execute("UPDATE staff SET branch_id = ?2 WHERE id = ?1", crate::params![id, branch_id])?;
    Ok(())
}

pub fn set_active(conn: &Connection, id: i64, active: bool) -> Result<()> {
    conn.execute("UPDATE staff SET active = ?2 WHERE id = ?1", crate::params![id, active])?;
    Ok(())
}

/// Records the outcome of a PIN check: the wrong PINs in a row and the lock, if any.
pub fn set_sign_in_state(
    conn: &Connection,
    id: i64,
    wrong_pins: u32,
    locked_until: Option<NaiveDateTime>,
) -> Result<()> {
    conn.execute(
        "UPDATE staff SET wrong_pins = ?2, locked_until = ?3 WHERE id = ?1",
        crate::params![id, wrong_pins, locked_until.map(|t| t.format(TIME).to_string())],
    )?;
    Ok(())
}
