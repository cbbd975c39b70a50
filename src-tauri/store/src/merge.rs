//! Merging a member enrolled twice into the one kept, and erasing a member's personal data
//! (rules §2). The history moves table by table inside the caller's transaction; the
//! person-facts of the kept member are decided in `loyalty::merge`.

use crate::db::{params, Connection};
use crate::Result;

/// What a member holds that a merge moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Holdings {
    pub lots: i64,
    pub coupons: i64,
    pub receipts: i64,
    pub interactions: i64,
    /// Contact-list entries, and the calls logged on them.
    pub contacts: i64,
    pub contact_attempts: i64,
    pub redemptions: i64,
    /// Members this one referred.
    pub referees: i64,
}

fn count(conn: &Connection, sql: &str, id: i64) -> Result<i64> {
    Ok(conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

/// What `member_id` holds.
pub fn holdings(conn: &Connection, member_id: i64) -> Result<Holdings> {
    Ok(Holdings {
        lots: count(conn, "SELECT count(*) FROM points_lots WHERE member_id = ?1", member_id)?,
        coupons: count(conn, "SELECT count(*) FROM coupons WHERE member_id = ?1", member_id)?,
        receipts: count(conn, "SELECT count(*) FROM receipts WHERE member_id = ?1", member_id)?,
        interactions: count(conn, "SELECT count(*) FROM interactions WHERE member_id = ?1", member_id)?,
        contacts: count(conn, "SELECT count(*) FROM contact_entries WHERE member_id = ?1", member_id)?,
        contact_attempts: count(conn, "SELECT count(*) FROM contact_attempts WHERE member_id = ?1", member_id)?,
        redemptions: count(conn, "SELECT count(*) FROM redemptions WHERE member_id = ?1", member_id)?,
        referees: count(conn, "SELECT count(*) FROM members WHERE referred_by = ?1", member_id)?,
    })
}

/// Days on which both members have a contact-list entry: the merged member's entry of such
/// a day stays with the archived record (a day's list has one entry per member).
pub fn contact_days_in_common(conn: &Connection, keep: i64, merge: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM contact_entries a JOIN contact_entries b ON b.list_date = a.list_date
         WHERE a.member_id = ?1 AND b.member_id = ?2",
        params![merge, keep],
        |r| r.get(0),
    )?)
}

/// Moves the history of `merge` to `keep`: receipts, lots, coupons,
/// redemptions, interactions, contact entries (but those of a day `keep` is on already) and
/// their calls, the members `merge` referred and its referral rewards. Returns what moved.
/// The points ledger is append-only and stays where it is: the caller moves the balance
/// with an entry on each side.
pub fn move_history(conn: &Connection, keep: i64, merge: i64) -> Result<Holdings> {
    let mv = |sql: &str| -> Result<i64> { Ok(conn.prepare(sql)?.execute(params![keep, merge])? as i64) };
    let receipts = mv("UPDATE receipts SET member_id = ?1 WHERE member_id = ?2")?;
    mv("UPDATE top_ups SET member_id = ?1 WHERE member_id = ?2")?;
    crate::sales_months::rebuild_member(conn, merge)?;
    crate::sales_months::rebuild_member(conn, keep)?;
    let lots = mv("UPDATE points_lots SET member_id = ?1 WHERE member_id = ?2")?;
    let coupons = mv("UPDATE coupons SET member_id = ?1 WHERE member_id = ?2")?;
    let redemptions = mv("UPDATE redemptions SET member_id = ?1 WHERE member_id = ?2")?;
    let interactions = mv("UPDATE interactions SET member_id = ?1 WHERE member_id = ?2")?;
    let contacts = mv("UPDATE contact_entries SET member_id = ?1 WHERE member_id = ?2
         AND list_date NOT IN (SELECT k.list_date FROM contact_entries k WHERE k.member_id = ?1)")?;
    let contact_attempts = mv("UPDATE contact_attempts SET member_id = ?1 WHERE member_id = ?2
         AND entry_id IN (SELECT e.id FROM contact_entries e WHERE e.member_id = ?1)")?;
    // The members `merge` referred are `keep`'s referees now; `keep` itself is nobody's
    // referee by its own hand.
    let referees = mv("UPDATE members SET referred_by = ?1 WHERE referred_by = ?2 AND id <> ?1")?;
    mv("UPDATE members SET referred_by = NULL WHERE id = ?1 AND referred_by = ?2")?;
    mv("UPDATE referral_rewards SET referrer_id = ?1 WHERE referrer_id = ?2")?;
    mv("UPDATE referral_rewards SET referee_id = ?1 WHERE referee_id = ?2
         AND NOT EXISTS (SELECT 1 FROM referral_rewards k WHERE k.referee_id = ?1)")?;
    Ok(Holdings { lots, coupons, receipts, interactions, contacts, contact_attempts, redemptions, referees })
}

/// Recomputes a member's first sale and last sale day from their receipts (as migration 5
/// first set them).
pub fn recompute_visits(conn: &Connection, member_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE members SET
             first_sale_id = (SELECT r.id FROM receipts r WHERE r.member_id = members.id AND r.kind = 'sale'
                              ORDER BY r.sale_date, r.at, r.id LIMIT 1),
             first_sale_date = (SELECT r.sale_date FROM receipts r WHERE r.member_id = members.id AND r.kind = 'sale'
                                ORDER BY r.sale_date, r.at, r.id LIMIT 1),
             last_sale_date = (SELECT max(r.sale_date) FROM receipts r WHERE r.member_id = members.id AND r.kind = 'sale')
         WHERE id = ?1",
        [member_id],
    )?;
    Ok(())
}

/// The kept member's person-facts after a merge, and their combined balance.
pub struct KeptFacts<'a> {
    pub gender: &'a str,
    pub birthday_calendar: Option<&'a str>,
    pub birthday_year: Option<i32>,
    pub birthday_month: Option<u32>,
    pub birthday_day: Option<u32>,
    pub birthday_leap: bool,
    pub notes: &'a str,
    pub vip: bool,
    pub contact_ok: bool,
    pub tier: &'a str,
}

pub fn update_kept(conn: &Connection, keep: i64, f: &KeptFacts<'_>, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE members SET gender = ?2, birthday_calendar = ?3, birthday_year = ?4, birthday_month = ?5,
             birthday_day = ?6, birthday_leap = ?7, notes = ?8, vip = ?9, contact_ok = ?10, tier = ?11,
             updated_at = ?12
         WHERE id = ?1",
        params![
            keep,
            f.gender,
            f.birthday_calendar,
            f.birthday_year,
            f.birthday_month,
            f.birthday_day,
            f.birthday_leap,
            f.notes,
            f.vip,
            f.contact_ok,
            f.tier,
            now
        ],
    )?;
    Ok(())
}

/// The merged member: archived, pointing at the kept one (its balance has moved by then).
pub fn archive_merged(conn: &Connection, merge: i64, keep: i64, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE members SET archived = 1, merged_into = ?2, vip = 0, first_sale_id = NULL, first_sale_date = NULL,
             last_sale_date = NULL, updated_at = ?3 WHERE id = ?1",
        params![merge, keep, now],
    )?;
    Ok(())
}

/// Blanks a member's personal data (PIPL): name, phone, birthday, care notes and the
/// search keys; no more contact. Amounts and the ledger stay for the books.
pub fn erase_personal_data(conn: &Connection, member_id: i64, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE members SET name = '', gender = 'unknown', phone = NULL, phone_last4 = NULL, birthday_calendar = NULL,
             birthday_year = NULL, birthday_month = NULL, birthday_day = NULL, birthday_leap = 0, notes = '',
             name_initials = '', name_pinyin = '', contact_ok = 0, vip = 0, archived = 1, erased_at = ?2, card_code = NULL,
             updated_at = ?2
         WHERE id = ?1",
        params![member_id, now],
    )?;
    conn.execute("DELETE FROM member_name_grams WHERE member_id = ?1", [member_id])?;
    // Calls still open on a list are closed: the member is never called again.
    conn.execute(
        "UPDATE contact_entries SET status = 'do_not_call', outcome_note = '' WHERE member_id = ?1
         AND status IN ('pending', 'no_answer', 'rescheduled')",
        [member_id],
    )?;
    Ok(())
}

/// Pairs of members in the program with the same name (the candidates for the duplicate
/// suggestion; the rule decides which pairs are suggested): (id, id) with the first smaller.
pub fn same_name_pairs(conn: &Connection, limit: i64) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, b.id FROM members a JOIN members b ON b.name = a.name AND b.id > a.id
         WHERE a.archived = 0 AND b.archived = 0 AND a.name <> '' ORDER BY a.id, b.id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
