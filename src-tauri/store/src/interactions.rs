//! `interactions`: surveys, feedback, events and shares recorded by staff.

use crate::db::{params, Connection};
use crate::Result;
use chrono::NaiveDate;

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &Connection,
    member_id: i64,
    kind: &str,
    on_date: NaiveDate,
    note: &str,
    points: i64,
    score: Option<u8>,
    staff_id: i64,
    now: &str,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO interactions (member_id, kind, on_date, note, points, score, staff_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    )?
    .query_row(params![member_id, kind, on_date, note, points, score.map(i64::from), staff_id, now], |r| r.get(0))
    .map_err(Into::into)
}
