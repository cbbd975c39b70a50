//! `store_meta`: facts about the store itself — the opening day, the latest store date it
//! was brought up to, the member-number sequence, the program settings.

use crate::db::{Connection, OptionalExtension};
use crate::Result;
use chrono::NaiveDate;

pub const OPENING_DAY: &str = "opening_day";
pub const LATEST_STORE_DATE: &str = "latest_store_date";
pub const MEMBER_SEQ: &str = "member_seq";
pub const PROGRAM_SETTINGS: &str = "program_settings";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM store_meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

pub fn get_date(conn: &Connection, key: &str) -> Result<Option<NaiveDate>> {
    Ok(get(conn, key)?.and_then(|v| v.parse().ok()))
}

pub fn set_date(conn: &Connection, key: &str, date: NaiveDate) -> Result<()> {
    set(conn, key, &date.to_string())
}

/// The last value given of a named sequence (0: none yet).
pub fn seq(conn: &Connection, key: &str) -> Result<i64> {
    Ok(get(conn, key)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

/// Records `value` as the last value given of a named sequence (a bulk load that gave its
/// values in memory).
pub fn set_seq(conn: &Connection, key: &str, value: i64) -> Result<()> {
    set(conn, key, &value.to_string())
}

/// The next value of a named sequence (starts at 1).
pub fn next_seq(conn: &Connection, key: &str) -> Result<i64> {
    let next = seq(conn, key)? + 1;
    set_seq(conn, key, next)?;
    Ok(next)
}
