//! The table `contact_sms_batches`: a day's SMS greetings, one row per day and set of
//! reasons, with the recipients' member ids packed in one blob. A holiday that greets
//! every member writes one row, not one per member; listing and exporting unpack it.
//!
//! The blob holds the ids in ascending order, each as the LEB128 varint of its gap to the
//! one before (the first from 0): consecutive members take one byte each.

use crate::db::{params, Connection, Row};
use crate::Result;
use chrono::NaiveDate;

/// Packs member ids (any order, duplicates dropped) into the blob.
pub fn pack_ids(ids: &[i64]) -> Vec<u8> {
    let mut sorted: Vec<u64> = ids.iter().map(|&id| u64::try_from(id).expect("member ids are positive")).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::with_capacity(sorted.len() + 8);
    let mut previous = 0u64;
    for id in sorted {
        let mut gap = id - previous;
        previous = id;
        loop {
            let byte = (gap & 0x7f) as u8;
            gap >>= 7;
            if gap == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out
}

/// Unpacks the blob into ascending member ids; `None` when it is not a valid packing.
pub fn unpack_ids(blob: &[u8]) -> Option<Vec<i64>> {
    let mut ids = Vec::with_capacity(blob.len());
    let mut previous = 0u64;
    let mut gap = 0u64;
    let mut shift = 0u32;
    for &byte in blob {
        if shift > 63 {
            return None;
        }
        gap |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            previous = previous.checked_add(gap)?;
            ids.push(i64::try_from(previous).ok()?);
            gap = 0;
            shift = 0;
        } else {
            shift += 7;
        }
    }
    (shift == 0).then_some(ids)
}

pub struct NewSmsBatch<'a> {
    pub list_date: NaiveDate,
    /// The reasons every recipient shares (JSON).
    pub reasons: &'a str,
    pub members: &'a [i64],
    pub overdue: bool,
}

/// Adds a batch; `false` when the day already has one with these reasons.
pub fn insert(conn: &Connection, b: &NewSmsBatch<'_>) -> Result<bool> {
    let blob = pack_ids(b.members);
    let n = conn
        .prepare_cached(
            "INSERT INTO contact_sms_batches (list_date, reasons, recipients, count, overdue)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![b.list_date, b.reasons, blob, b.members.len() as i64, b.overdue])?;
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsBatchRow {
    pub id: i64,
    pub list_date: NaiveDate,
    pub reasons: String,
    pub count: i64,
    pub overdue: bool,
    pub exported_at: Option<String>,
    pub exported_by: Option<String>,
}

const BATCH: &str = "b.id, b.list_date, b.reasons, b.count, b.overdue, b.exported_at, s.name";

fn row_to_batch(r: &Row<'_>) -> crate::db::Result<SmsBatchRow> {
    Ok(SmsBatchRow {
        id: r.get(0)?,
        list_date: r.get(1)?,
        reasons: r.get(2)?,
        count: r.get(3)?,
        overdue: r.get(4)?,
        exported_at: r.get(5)?,
        exported_by: r.get(6)?,
    })
}

/// The batches of a day.
pub fn of_day(conn: &Connection, day: NaiveDate) -> Result<Vec<SmsBatchRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BATCH} FROM contact_sms_batches b LEFT JOIN staff s ON s.id = b.exported_by
         WHERE b.list_date = ?1 ORDER BY b.id"
    ))?;
    let rows = stmt.query_map([day], row_to_batch)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Batches not exported yet, up to `day` (overdue ones included), oldest first.
pub fn not_exported(conn: &Connection, day: NaiveDate) -> Result<Vec<SmsBatchRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BATCH} FROM contact_sms_batches b LEFT JOIN staff s ON s.id = b.exported_by
         WHERE b.exported_at IS NULL AND b.list_date <= ?1 ORDER BY b.list_date, b.id"
    ))?;
    let rows = stmt.query_map([day], row_to_batch)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The member ids of a batch, ascending.
pub fn recipients(conn: &Connection, batch_id: i64) -> Result<Vec<i64>> {
    let blob: Vec<u8> = conn
        .prepare_cached("SELECT recipients FROM contact_sms_batches WHERE id = ?1")?
        .query_row([batch_id], |r| r.get(0))?;
    unpack_ids(&blob).ok_or_else(|| {
        crate::StoreError::Sql(crate::db::Error::Conversion {
            column: 0,
            detail: format!("短信批次 {batch_id} 的收件人数据无法读取"),
        })
    })
}

/// Records that a day's batches were exported (the first export counts).
pub fn mark_exported(conn: &Connection, day: NaiveDate, staff_id: i64, at: &str) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE contact_sms_batches SET exported_at = ?3, exported_by = ?2 WHERE list_date = ?1 AND exported_at IS NULL",
        params![day, staff_id, at],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_pack_small_and_come_back_in_order() {
        let ids: Vec<i64> = (1..=200_000).collect();
        let blob = pack_ids(&ids);
        assert!(blob.len() <= 200_001, "consecutive members take a byte each: {}", blob.len());
        assert_eq!(unpack_ids(&blob).unwrap(), ids);
        assert_eq!(unpack_ids(&pack_ids(&[9_000_000_000, 5, 300, 5, 1])).unwrap(), [1, 5, 300, 9_000_000_000]);
        assert_eq!(unpack_ids(&pack_ids(&[])).unwrap(), Vec::<i64>::new());
    }

    #[test]
    fn a_cut_off_blob_is_refused() {
        let blob = pack_ids(&[1, 1_000_000]);
        assert_eq!(unpack_ids(&blob[..blob.len() - 1]), None);
        assert_eq!(unpack_ids(&[0xff; 11]), None);
    }

    proptest::proptest! {
        #[test]
        fn any_ids_round_trip(ids in proptest::collection::vec(1i64..i64::MAX, 0..300)) {
            let mut want = ids.clone();
            want.sort_unstable();
            want.dedup();
            proptest::prop_assert_eq!(unpack_ids(&pack_ids(&ids)).unwrap(), want);
        }
    }
}
