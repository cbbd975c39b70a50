//! The facts the program figures are computed from (rules §13): members, their sales by
//! month, the points ledger by month, coupons, contact-list entries and survey scores,
//! grouped but not judged. `loyalty::figures` decides every count and rate.

use crate::db::{params, Connection};
use crate::Result;
use chrono::Datelike;
use chrono::NaiveDate;
use loyalty::figures::{
    ContactGroup, ContactOutcome, CouponGroup, CouponState, Facts, MemberFact, PointsMonth, SalesMonth, ScoreGroup,
};
use std::collections::{BTreeMap, HashMap};

fn month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.get(..7)?), "%Y-%m-%d").ok()
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD` without chrono's general parser (a million sales are read at a time).
fn quick_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// The sales of `[from, to]`, one row per member and month, in month order. The receipts
/// are read in day order through a covering index (migration 10) and grouped here: month
/// by month, since a month's days are contiguous in that order. Sorting a million groups
/// in the database took three times as long as reading the rows.
fn sales_by_member_month(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    branch: Option<i64>,
) -> Result<Vec<SalesMonth>> {
    let mut stmt = conn.prepare(
        "SELECT sale_date, member_id, paid_fen, refunded_fen FROM receipts
         WHERE kind = 'sale' AND sale_date >= ?1 AND sale_date <= ?2
           AND (CAST(?3 AS BIGINT) IS NULL OR branch_id = ?3)
         ORDER BY sale_date",
    )?;
    let mut out: Vec<SalesMonth> = Vec::new();
    let mut month_rows: HashMap<i64, SalesMonth> = HashMap::new();
    let mut current: Option<NaiveDate> = None;
    let flush = |rows: &mut HashMap<i64, SalesMonth>, out: &mut Vec<SalesMonth>| {
        let mut group: Vec<SalesMonth> = rows.drain().map(|(_, s)| s).collect();
        group.sort_by_key(|s| s.member);
        out.extend(group);
    };
    let rows = stmt.query_map(params![from, to, branch], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
    })?;
    for row in rows {
        let (day, member, paid, refunded) = row?;
        let day = quick_date(&day).ok_or_else(|| damaged("sale_date", &day))?;
        let month = day.with_day(1).expect("the 1st exists");
        if current != Some(month) {
            flush(&mut month_rows, &mut out);
            current = Some(month);
        }
        let s =
            month_rows.entry(member).or_insert(SalesMonth { member, month, visits: 0, net_fen: 0, last_visit: None });
        s.net_fen += paid - refunded;
        if loyalty::figures::counts_as_visit(paid, refunded) {
            s.visits += 1;
            s.last_visit = s.last_visit.max(Some(day));
        }
    }
    flush(&mut month_rows, &mut out);
    Ok(out)
}

fn damaged(what: &str, text: &str) -> crate::StoreError {
    crate::StoreError::Sql(crate::db::Error::Conversion { column: 0, detail: format!("{what}: {text}") })
}

/// Everything from `from` (a 1st) to `to` (a last day) that the figures read; with
/// `branch`, the sales are that branch's receipts only (members, points, coupons and the
/// contact list are the chain's).
pub fn facts(conn: &Connection, from: NaiveDate, to: NaiveDate, branch: Option<i64>) -> Result<Facts> {
    let members = conn
        .prepare(
            "SELECT m.id, m.member_no, m.joined_on, m.referred_by IS NOT NULL, rr.on_date, fs.sale_date, m.vip
             FROM members m
             LEFT JOIN referral_rewards rr ON rr.referee_id = m.id
             LEFT JOIN receipts fs ON fs.id = m.first_sale_id
             WHERE m.joined_on <= ?1",
        )?
        .query_map(params![to], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?
        .map(|row| {
            let (id, member_no, joined, referred, succeeded, first_sale, vip) = row?;
            Ok(MemberFact {
                id,
                member_no,
                joined_on: date(&joined).ok_or_else(|| damaged("joined_on", &joined))?,
                referred,
                referral_succeeded_on: succeeded.as_deref().and_then(date),
                first_sale: first_sale.as_deref().and_then(date),
                vip,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let sales = sales_by_member_month(conn, from, to, branch)?;

    let mut points: BTreeMap<NaiveDate, PointsMonth> = BTreeMap::new();
    let issued = conn
        .prepare(
            "SELECT substr(earned_on, 1, 7), CAST(sum(points) AS BIGINT) FROM points_lots
             WHERE earned_on >= ?1 AND earned_on <= ?2 GROUP BY substr(earned_on, 1, 7)",
        )?
        .query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    for (m, n) in issued {
        let m = month(&m).ok_or_else(|| damaged("earned_on", &m))?;
        points.entry(m).or_insert_with(|| PointsMonth { month: m, ..Default::default() }).issued += n;
    }
    let ledger = conn
        .prepare(
            "SELECT substr(on_date, 1, 7), kind, CAST(sum(points) AS BIGINT) FROM points_ledger
             WHERE on_date >= ?1 AND on_date <= ?2 GROUP BY substr(on_date, 1, 7), kind",
        )?
        .query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    for (m, kind, n) in ledger {
        let m = month(&m).ok_or_else(|| damaged("on_date", &m))?;
        let p = points.entry(m).or_insert_with(|| PointsMonth { month: m, ..Default::default() });
        p.change += n;
        match kind.as_str() {
            "redeem" => p.redeemed -= n,
            "expire" => p.expired -= n,
            "clawback" => p.clawed_back -= n,
            "adjust" => p.adjusted += n,
            _ => {}
        }
    }
    let points_before: i64 = conn.query_row(
        "SELECT CAST(coalesce(sum(points), 0) AS BIGINT) FROM points_ledger WHERE on_date < ?1",
        params![from],
        |r| r.get(0),
    )?;

    let coupons = conn
        .prepare(
            "SELECT t.name, substr(c.issued_at, 1, 7), substr(c.valid_until, 1, 7), substr(c.used_at, 1, 7), c.status,
                    count(*), CAST(coalesce(sum(r.discount_fen), 0) AS BIGINT),
                    CAST(coalesce(sum(r.paid_fen - r.refunded_fen), 0) AS BIGINT)
             FROM coupons c
             JOIN coupon_templates t ON t.id = c.template_id
             LEFT JOIN receipts r ON r.id = c.used_receipt
             WHERE c.issued_at <= ?2 AND (c.issued_at >= ?1 OR c.valid_until >= ?1 OR c.used_at >= ?1)
             GROUP BY t.name, substr(c.issued_at, 1, 7), substr(c.valid_until, 1, 7), substr(c.used_at, 1, 7), c.status",
        )?
        .query_map(params![from, format!("{to} 23:59:59")], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?
        .map(|row| {
            let (template, issued, ends, used, status, count, discount_fen, net_fen) = row?;
            Ok(CouponGroup {
                template,
                issued_month: month(&issued).ok_or_else(|| damaged("issued_at", &issued))?,
                ends_month: month(&ends).ok_or_else(|| damaged("valid_until", &ends))?,
                used_month: used.as_deref().and_then(month),
                status: match status.as_str() {
                    "unused" => CouponState::Unused,
                    "used" => CouponState::Used,
                    "expired" => CouponState::Expired,
                    "void" => CouponState::Void,
                    other => return Err(damaged("coupon status", other)),
                },
                count,
                discount_fen,
                net_fen,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let contacts = conn
        .prepare(
            "SELECT substr(due_date, 1, 7), reasons, status, count(*) FROM contact_entries
             WHERE due_date >= ?1 AND due_date <= ?2 GROUP BY substr(due_date, 1, 7), reasons, status",
        )?
        .query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?
        .map(|row| {
            let (m, reasons, status, count) = row?;
            let parsed: Vec<serde_json::Value> =
                serde_json::from_str(&reasons).map_err(|_| damaged("contact reasons", &reasons))?;
            let mut kinds: Vec<String> =
                parsed.iter().filter_map(|r| r.get("kind").and_then(|k| k.as_str()).map(str::to_string)).collect();
            kinds.dedup();
            Ok(ContactGroup {
                month: month(&m).ok_or_else(|| damaged("due_date", &m))?,
                reasons: kinds,
                outcome: match status.as_str() {
                    "done" => ContactOutcome::Done,
                    "no_answer" => ContactOutcome::NoAnswer,
                    "gave_up" => ContactOutcome::GaveUp,
                    "do_not_call" => ContactOutcome::DoNotCall,
                    _ => ContactOutcome::Open,
                },
                count,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let scores = conn
        .prepare(
            "SELECT substr(on_date, 1, 7), score, count(*) FROM interactions
             WHERE score IS NOT NULL AND on_date >= ?1 AND on_date <= ?2 GROUP BY substr(on_date, 1, 7), score",
        )?
        .query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?
        .map(|row| {
            let (m, score, count) = row?;
            Ok(ScoreGroup {
                month: month(&m).ok_or_else(|| damaged("on_date", &m))?,
                score: u8::try_from(score).map_err(|_| damaged("score", &score.to_string()))?,
                count,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Facts { members, sales, points: points.into_values().collect(), points_before, coupons, contacts, scores })
}
