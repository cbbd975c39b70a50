//! The facts the program figures are computed from (rules §13): members, their sales by
//! month, the points ledger by month, coupons, contact-list entries and survey scores,
//! grouped but not judged. `loyalty::figures` decides every count and rate.

use crate::db::{params, Connection};
use crate::Result;
use chrono::NaiveDate;
use loyalty::figures::{
    ContactGroup, ContactOutcome, CouponGroup, CouponState, Facts, MemberFact, PointsMonth, SalesMonth, ScoreGroup,
    SvMonth,
};
use std::collections::BTreeMap;

fn month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.get(..7)?), "%Y-%m-%d").ok()
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

/// The sales of the months `from` … `to`, one row per member and month, in month order
/// (by member within a month): the month sums kept with every sale, refund and merge
/// (`sales_months`, migration 11), added up over branches unless one is asked for. The
/// rows are read in the primary key's order (month, member, branch), so a member's branches
/// of a month come together and are added up here: grouping in the database took four
/// times as long as reading the rows.
fn sales_by_member_month(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    branch: Option<i64>,
) -> Result<Vec<SalesMonth>> {
    let mut grouping = MonthRows::default();
    let (first, last) = (from.format("%Y-%m").to_string(), to.format("%Y-%m").to_string());
    // On PostgreSQL the rows come as COPY's text lines: reading a million rows one by one
    // took three times as long as the server took to find them. The values put into the
    // query are a formatted month and a row id, never text a person typed.
    let copied = conn.copy_out(
        &format!(
            "SELECT month, member_id, visits, net_fen, last_visit FROM sales_months
             WHERE month >= '{first}' AND month <= '{last}'{}
             ORDER BY month, member_id, branch_id",
            branch.map(|b| format!(" AND branch_id = {b}")).unwrap_or_default()
        ),
        |fields| {
            let [Some(month), Some(member), Some(visits), Some(net_fen), last_visit] = fields else {
                return Err(damaged_value("sales_months row", &format!("{fields:?}")));
            };
            let number = |what: &str, t: &str| t.parse::<i64>().map_err(|_| damaged_value(what, t));
            grouping.add(
                month,
                number("member_id", member)?,
                number("visits", visits)?,
                number("net_fen", net_fen)?,
                *last_visit,
            )
        },
    );
    match copied {
        Some(done) => done?,
        None => conn
            .prepare(
                "SELECT month, member_id, visits, net_fen, last_visit FROM sales_months
                 WHERE month >= ?1 AND month <= ?2 AND (CAST(?3 AS BIGINT) IS NULL OR branch_id = ?3)
                 ORDER BY month, member_id, branch_id",
            )?
            .for_each(params![first, last, branch], |r| {
                let (member, visits, net_fen) = (r.get(1)?, r.get(2)?, r.get(3)?);
                r.text(0, |month| {
                    r.text(4, |last_visit| grouping.add(month.unwrap_or(""), member, visits, net_fen, last_visit))
                })???;
                Ok(())
            })?,
    }
    Ok(grouping.out)
}

/// The month rows as they are read, a member's branches of a month added up.
#[derive(Default)]
struct MonthRows {
    out: Vec<SalesMonth>,
    /// The month text last read, and its 1st.
    last_month: Option<([u8; 7], NaiveDate)>,
}

impl MonthRows {
    fn add(
        &mut self,
        month: &str,
        member: i64,
        visits: i64,
        net_fen: i64,
        last_visit: Option<&str>,
    ) -> crate::db::Result<()> {
        let month = match self.last_month {
            Some((text, known)) if month.as_bytes() == &text[..] => known,
            _ => {
                let first = (month.len() == 7)
                    .then(|| quick_date(&format!("{month}-01")))
                    .flatten()
                    .ok_or_else(|| damaged_value("sales month", month))?;
                let mut text = [0u8; 7];
                text.copy_from_slice(month.as_bytes());
                self.last_month = Some((text, first));
                first
            }
        };
        let last_visit = last_visit.map(|t| quick_date(t).ok_or_else(|| damaged_value("last_visit", t))).transpose()?;
        let visits = u32::try_from(visits).map_err(|_| damaged_value("visits", &visits.to_string()))?;
        match self.out.last_mut() {
            // The same member's other branch that month.
            Some(s) if s.member == member && s.month == month => {
                s.visits += visits;
                s.net_fen += net_fen;
                s.last_visit = s.last_visit.max(last_visit);
            }
            _ => self.out.push(SalesMonth { member, month, visits, net_fen, last_visit }),
        }
        Ok(())
    }
}

fn damaged(what: &str, text: &str) -> crate::StoreError {
    crate::StoreError::Sql(damaged_value(what, text))
}

fn damaged_value(what: &str, text: &str) -> crate::db::Error {
    crate::db::Error::Conversion { column: 0, detail: format!("{what}: {text}") }
}

/// Everything from `from` (a 1st) to `to` (a last day) that the figures read; with
/// `branch`, the sales are that branch's receipts only (members, points, coupons and the
/// contact list are the chain's).
pub fn facts(conn: &Connection, from: NaiveDate, to: NaiveDate, branch: Option<i64>) -> Result<Facts> {
    let mut members: Vec<MemberFact> = Vec::new();
    conn.prepare(
        "SELECT m.id, m.member_no, m.joined_on, m.referred_by IS NOT NULL, rr.on_date, m.first_sale_date, m.vip
         FROM members m
         LEFT JOIN referral_rewards rr ON rr.referee_id = m.id
         WHERE m.joined_on <= ?1",
    )?
    .for_each(params![to], |r| {
        let day = |i: usize, what: &str| -> crate::db::Result<Option<NaiveDate>> {
            r.text(i, |t| t.map(|t| quick_date(t).ok_or_else(|| damaged_value(what, t))).transpose())?
        };
        members.push(MemberFact {
            id: r.get(0)?,
            member_no: r.get(1)?,
            joined_on: day(2, "joined_on")?.ok_or_else(|| damaged_value("joined_on", "NULL"))?,
            referred: r.get(3)?,
            referral_succeeded_on: day(4, "referral on_date")?,
            first_sale: day(5, "first_sale_date")?,
            vip: r.get(6)?,
        });
        Ok(())
    })?;

    let sales = sales_by_member_month(conn, from, to, branch)?;

    // The month sums kept with every write (migration 11): a few hundred rows for years.
    let mut points: BTreeMap<NaiveDate, PointsMonth> = BTreeMap::new();
    let mut points_before = 0i64;
    let sums = conn
        .prepare(
            "SELECT month, kind, CAST(sum(points) AS BIGINT) FROM points_months
             WHERE month <= ?1 GROUP BY month, kind",
        )?
        .query_map(params![to.format("%Y-%m").to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    for (m, kind, n) in sums {
        let m = month(&m).ok_or_else(|| damaged("points month", &m))?;
        if m < from {
            if kind != "lots" {
                points_before += n;
            }
            continue;
        }
        let p = points.entry(m).or_insert_with(|| PointsMonth { month: m, ..Default::default() });
        if kind == "lots" {
            p.issued += n;
            continue;
        }
        p.change += n;
        match kind.as_str() {
            "redeem" => p.redeemed -= n,
            "expire" => p.expired -= n,
            "clawback" => p.clawed_back -= n,
            "adjust" => p.adjusted += n,
            _ => {}
        }
    }

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

    // The stored-value ledger by month and kind, every month to the end (what is owed
    // at a period's end is the sum of all before it).
    let mut stored_value: BTreeMap<NaiveDate, SvMonth> = BTreeMap::new();
    let sv = conn
        .prepare(
            "SELECT substr(on_date, 1, 7), kind, CAST(sum(principal_fen) AS BIGINT), CAST(sum(bonus_fen) AS BIGINT)
             FROM sv_ledger WHERE on_date <= ?1 GROUP BY substr(on_date, 1, 7), kind",
        )?
        .query_map(params![to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    for (m, kind, principal, bonus) in sv {
        let m = month(&m).ok_or_else(|| damaged("sv on_date", &m))?;
        let row = stored_value.entry(m).or_insert_with(|| SvMonth { month: m, ..Default::default() });
        row.principal_change += principal;
        row.bonus_change += bonus;
        match kind.as_str() {
            "top_up" => row.top_up += principal,
            "bonus" => row.bonus += bonus,
            "spend" => row.spend += principal + bonus,
            "refund" => row.refund += principal + bonus,
            "payout" => row.payout += principal,
            "opening" => row.brought_in += principal,
            // Out of one account and into another: only the owed amounts move (by nothing).
            "merge" => {}
            other => return Err(damaged("sv_ledger kind", other)),
        }
    }

    Ok(Facts {
        stored_value: stored_value.into_values().collect(),
        members,
        sales,
        points: points.into_values().collect(),
        points_before,
        coupons,
        contacts,
        scores,
    })
}
