//! The facts the program figures are computed from (rules §13): members, their sales by
//! month, the points ledger by month, coupons, contact-list entries and survey scores,
//! grouped but not judged. `loyalty::figures` decides every count and rate.

use crate::db::{params, Connection};
use crate::Result;
use chrono::NaiveDate;
use loyalty::figures::{
    ContactGroup, ContactOutcome, CouponGroup, CouponState, Facts, MemberFact, PointsMonth, SalesMonth, ScoreGroup,
};
use std::collections::BTreeMap;

fn month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.get(..7)?), "%Y-%m-%d").ok()
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
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

    let sales = conn
        .prepare(
            "SELECT member_id, substr(sale_date, 1, 7),
                    CAST(sum(CASE WHEN refunded_fen < paid_fen OR paid_fen = 0 THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(sum(paid_fen - refunded_fen) AS BIGINT),
                    max(CASE WHEN refunded_fen < paid_fen OR paid_fen = 0 THEN sale_date END)
             FROM receipts
             WHERE kind = 'sale' AND sale_date >= ?1 AND sale_date <= ?2
               AND (CAST(?3 AS BIGINT) IS NULL OR branch_id = ?3)
             GROUP BY member_id, substr(sale_date, 1, 7)",
        )?
        .query_map(params![from, to, branch], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .map(|row| {
            let (member, m, visits, net_fen, last) = row?;
            Ok(SalesMonth {
                member,
                month: month(&m).ok_or_else(|| damaged("sale_date", &m))?,
                visits: visits as u32,
                net_fen,
                last_visit: last.as_deref().and_then(date),
            })
        })
        .collect::<Result<Vec<_>>>()?;

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
