//! Big-customer screening (大客户筛选, rules §10): the quarter a screening is named for, its
//! 12-month window, the "top 10%" spend threshold (nearest rank), and which of the five
//! criteria a member meets. A member meeting at least three is a candidate; the manager
//! approves (VIP) or dismisses each one.

use crate::points::Tier;
use crate::Money;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

/// Visits in the window a candidate needs.
pub const MIN_VISITS: i64 = 6;
/// Successful referrals ever.
pub const MIN_REFERRALS: i64 = 2;
/// Interactions in the window.
pub const MIN_INTERACTIONS: i64 = 2;
/// How many of the five criteria make a candidate.
pub const MIN_MET: usize = 3;

/// A calendar quarter, `2027Q1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1–4.
    pub q: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuarterError {
    #[error("季度“{0}”无效，请写成 YYYYQn（例如 2027Q1）")]
    Invalid(String),
    #[error("{0} 还没有开始，不能筛选")]
    Future(String),
}

impl Quarter {
    /// `2027Q1` (a lower-case `q` is taken too).
    pub fn parse(text: &str) -> Result<Quarter, QuarterError> {
        let t = text.trim();
        let bad = || QuarterError::Invalid(t.to_string());
        let (y, q) = t.split_once(['Q', 'q']).ok_or_else(bad)?;
        if y.len() != 4 || q.len() != 1 {
            return Err(bad());
        }
        let (year, q): (i32, u32) = (y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?);
        if !(1..=4).contains(&q) || !(1900..=2199).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    /// The quarter a day falls in.
    pub fn of(day: NaiveDate) -> Quarter {
        Quarter { year: day.year(), q: (day.month() - 1) / 3 + 1 }
    }

    /// The quarter's first day: the day its screening is made.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).expect("a quarter's first day exists")
    }

    /// The 12 months before the first day, as `[start, first_day)`: 2027Q1 →
    /// 2026-01-01 … 2026-12-31.
    pub fn window(self) -> (NaiveDate, NaiveDate) {
        let first = self.first_day();
        (first - Months::new(12), first)
    }

    /// Whether `day` is the first day of a quarter.
    pub fn starts_on(day: NaiveDate) -> bool {
        day.day() == 1 && (day.month() - 1) % 3 == 0
    }

    /// The quarter named by `--quarter` (default: the store date's) that has begun by
    /// `store_date`.
    pub fn parse_for(text: Option<&str>, store_date: NaiveDate) -> Result<Quarter, QuarterError> {
        let q = match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Quarter::parse(t)?,
            None => Quarter::of(store_date),
        };
        if q.first_day() > store_date {
            return Err(QuarterError::Future(q.to_string()));
        }
        Ok(q)
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// The "top 10%" threshold: the 90th percentile, by nearest rank, of the net spend of the
/// members with at least one visit in the window (`spends`, any order). None when nobody
/// visited. A member is in the top 10% when their spend is at least this and above zero.
pub fn top_spend_threshold(spends: &[Money]) -> Option<Money> {
    if spends.is_empty() {
        return None;
    }
    let mut sorted = spends.to_vec();
    sorted.sort();
    // Nearest rank: the smallest value with at least 90% of the values at or below it.
    let rank = (sorted.len() * 9).div_ceil(10).max(1);
    Some(sorted[rank - 1])
}

/// What one member did in the window, as the screening weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningInputs {
    pub visits: i64,
    /// Successful referrals ever, up to the screening day.
    pub referrals: i64,
    pub interactions: i64,
    pub net_spend: Money,
    /// The tier in force on the screening day.
    pub tier: Tier,
}

/// One criterion: the member's number and whether it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Criterion<T> {
    pub value: T,
    pub met: bool,
}

/// The five criteria of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criteria {
    pub visits: Criterion<i64>,
    pub referrals: Criterion<i64>,
    pub interactions: Criterion<i64>,
    pub top_spend: Criterion<Money>,
    pub tier: Criterion<Tier>,
}

impl Criteria {
    /// How many of the five held.
    pub fn met(&self) -> usize {
        [self.visits.met, self.referrals.met, self.interactions.met, self.top_spend.met, self.tier.met]
            .iter()
            .filter(|m| **m)
            .count()
    }

    /// At least three held: the member is a candidate.
    pub fn is_candidate(&self) -> bool {
        self.met() >= MIN_MET
    }
}

/// The criteria of a member, given the window's top-10% threshold.
pub fn criteria(i: &ScreeningInputs, threshold: Option<Money>) -> Criteria {
    Criteria {
        visits: Criterion { value: i.visits, met: i.visits >= MIN_VISITS },
        referrals: Criterion { value: i.referrals, met: i.referrals >= MIN_REFERRALS },
        interactions: Criterion { value: i.interactions, met: i.interactions >= MIN_INTERACTIONS },
        top_spend: Criterion {
            value: i.net_spend,
            met: i.visits > 0 && i.net_spend > Decimal::ZERO && threshold.is_some_and(|t| i.net_spend >= t),
        },
        tier: Criterion { value: i.tier, met: matches!(i.tier, Tier::Core | Tier::Loyal) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn m(s: &str) -> Money {
        Decimal::from_str(s).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_2027q1_screening_is_made_on_new_years_day_over_2026() {
        let q = Quarter::parse("2027Q1").unwrap();
        assert_eq!(q.first_day(), day("2027-01-01"));
        assert_eq!(q.window(), (day("2026-01-01"), day("2027-01-01")), "2026-01-01 … 2026-12-31");
        assert_eq!(Quarter::of(day("2026-12-01")).to_string(), "2026Q4");
        assert_eq!(Quarter::parse("2026q4").unwrap().first_day(), day("2026-10-01"));
        assert!(Quarter::starts_on(day("2026-10-01")));
        assert!(!Quarter::starts_on(day("2026-11-01")));
        for bad in ["2027Q5", "2027Q0", "27Q1", "2027-01", "", "2027Q11"] {
            assert!(Quarter::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Quarter::parse_for(Some("2027Q1"), day("2026-12-01")),
            Err(QuarterError::Future("2027Q1".into())),
            "a quarter that has not begun"
        );
        assert_eq!(Quarter::parse_for(None, day("2026-12-01")).unwrap().to_string(), "2026Q4");
    }

    #[test]
    fn the_top_ten_percent_starts_at_the_nearest_rank_90th_percentile() {
        // Ten members who visited: the 90th percentile by nearest rank is the 9th value.
        let spends: Vec<Money> = (1..=10).map(|i| Money::from(i * 100)).collect();
        assert_eq!(top_spend_threshold(&spends), Some(m("900")));
        // Three members: rank ⌈2.7⌉ = 3, the largest.
        assert_eq!(top_spend_threshold(&[m("5"), m("500"), m("50")]), Some(m("500")));
        assert_eq!(top_spend_threshold(&[m("42")]), Some(m("42")));
        assert_eq!(top_spend_threshold(&[]), None);
        // Twenty: rank 18.
        let spends: Vec<Money> = (1..=20).map(Money::from).collect();
        assert_eq!(top_spend_threshold(&spends), Some(m("18")));
    }

    #[test]
    fn the_issues_candidate_meets_four_of_five() {
        // visits 8 ≥ 6 ✓, referrals 1, interactions 3 ≥ 2 ✓, spend ¥12,400 in the top 10% ✓, tier Core ✓
        let c = criteria(
            &ScreeningInputs { visits: 8, referrals: 1, interactions: 3, net_spend: m("12400"), tier: Tier::Core },
            Some(m("9000")),
        );
        assert!(c.visits.met && !c.referrals.met && c.interactions.met && c.top_spend.met && c.tier.met);
        assert_eq!(c.met(), 4);
        assert!(c.is_candidate());
    }

    #[test]
    fn two_criteria_are_not_enough_and_the_edges_count() {
        let base =
            ScreeningInputs { visits: 6, referrals: 2, interactions: 1, net_spend: m("100"), tier: Tier::Active };
        let c = criteria(&base, Some(m("100.01")));
        assert_eq!(
            (c.visits.met, c.referrals.met, c.interactions.met, c.top_spend.met, c.tier.met),
            (true, true, false, false, false)
        );
        assert!(!c.is_candidate(), "two of five");
        let c = criteria(&base, Some(m("100")));
        assert!(c.top_spend.met, "at the threshold is in");
        assert!(c.is_candidate());
        let c = criteria(&ScreeningInputs { tier: Tier::Loyal, visits: 5, ..base }, Some(m("100")));
        assert!(!c.visits.met && c.tier.met && c.is_candidate());
    }

    #[test]
    fn no_spend_is_never_top_spend() {
        let i = ScreeningInputs { visits: 1, referrals: 0, interactions: 0, net_spend: m("0"), tier: Tier::Regular };
        assert!(!criteria(&i, Some(m("0"))).top_spend.met, "spend must be above zero");
        assert!(!criteria(&ScreeningInputs { visits: 0, ..i }, None).top_spend.met);
    }
}
