//! Member card codes (rules §2): the code on each member's card, the codes of replaced
//! cards (refused by name when scanned), and the members still without one. The codes are
//! drawn by the caller (`loyalty::stored_value::card_code`).

use crate::db::{params, Connection, OptionalExtension};
use crate::Result;

/// Whether a code is on a member's card or on a replaced one.
pub fn taken(conn: &Connection, code: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM members WHERE card_code = ?1 UNION ALL SELECT 1 FROM replaced_cards WHERE card_code = ?1",
        )?
        .exists([code])?)
}

/// Every code on a member's card or on a replaced one (a bulk load of new members checks
/// the codes it draws against these in memory instead of one query a code).
pub fn all_taken(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut codes = std::collections::HashSet::new();
    conn.prepare(
        "SELECT card_code FROM members WHERE card_code IS NOT NULL UNION ALL SELECT card_code FROM replaced_cards",
    )?
    .for_each((), |r| {
        codes.insert(r.get::<_, String>(0)?);
        Ok(())
    })?;
    Ok(codes)
}

/// The member whose replaced card had this code.
pub fn replaced(conn: &Connection, code: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT member_id FROM replaced_cards WHERE card_code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?)
}

/// Gives the member `code` when they have none yet; whether it was given.
pub fn give(conn: &Connection, member_id: i64, code: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE members SET card_code = ?2 WHERE id = ?1 AND card_code IS NULL AND erased_at IS NULL")?
        .execute(params![member_id, code])?
        == 1)
}

/// Replaces the member's card: the old code is kept as replaced, `code` is the new one.
pub fn replace(conn: &Connection, member_id: i64, code: &str, at: &str, staff_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO replaced_cards (card_code, member_id, replaced_at, staff_id)
         SELECT card_code, id, ?2, ?3 FROM members WHERE id = ?1 AND card_code IS NOT NULL",
    )?
    .execute(params![member_id, at, staff_id])?;
    conn.prepare_cached("UPDATE members SET card_code = ?2 WHERE id = ?1")?.execute(params![member_id, code])?;
    Ok(())
}

/// Members in the books without a card code (enrolled before schema 12), at most `limit`.
pub fn without_code(conn: &Connection, limit: i64) -> Result<Vec<i64>> {
    let mut stmt = conn
        .prepare_cached("SELECT id FROM members WHERE card_code IS NULL AND erased_at IS NULL ORDER BY id LIMIT ?1")?;
    let rows = stmt.query_map([limit], |r| r.get(0))?.collect::<crate::db::Result<Vec<i64>>>()?;
    Ok(rows)
}
