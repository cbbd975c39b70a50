//! Tiers (rules §5): the monthly value score. Consumption `C = net spend / 100 + 2 × visits`,
//! interaction `I = 10 × interactions + 30 × successful referrals`, both over the 12 full
//! calendar months before the 1st of the evaluation month; `S = round(0.6C + 0.4I, 2)`;
//! thresholds 50 / 100 / 150, and Loyal only for a member who has ever referred someone.

use crate::money::{round_half_up, Money};
use crate::points::Tier;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Every number of the tier model a manager may change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierSettings {
    pub consumption_weight: Decimal,
    pub interaction_weight: Decimal,
    /// Net spend is divided by this (yuan per point of C).
    pub spend_divisor: Decimal,
    pub per_visit: Decimal,
    pub per_interaction: Decimal,
    pub per_referral: Decimal,
    /// Upper bounds (inclusive) of Regular, Active and Core; above the last is Loyal.
    pub thresholds: [Decimal; 3],
    /// Loyal needs a successful referral ever (otherwise the member stays Core).
    pub loyal_needs_referral: bool,
    /// The benefits shown at the front desk, per tier, low to high.
    pub benefits: [String; 4],
}

impl Default for TierSettings {
    fn default() -> Self {
        TierSettings {
            consumption_weight: Decimal::new(6, 1),
            interaction_weight: Decimal::new(4, 1),
            spend_divisor: Decimal::ONE_HUNDRED,
            per_visit: Decimal::TWO,
            per_interaction: Decimal::TEN,
            per_referral: Decimal::new(30, 0),
            thresholds: [Decimal::new(50, 0), Decimal::ONE_HUNDRED, Decimal::new(150, 0)],
            loyal_needs_referral: true,
            benefits: [
                "基础积分、生日券".into(),
                "专属促销优先参与".into(),
                "1.2倍积分、专属客服通道、延保".into(),
                "1.5倍积分、高端活动邀请、推荐奖励翻倍".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierSettingsError {
    #[error("消费权重和互动权重须在 0 到 1 之间，且两者之和为 1")]
    Weights,
    #[error("等级门槛须为正数且严格递增（普通 < 活跃 < 核心）")]
    Thresholds,
    #[error("消费折算金额须大于 0，每次到店、互动、推荐的分值不能为负")]
    Values,
    #[error("等级权益说明每项最多 200 字")]
    Benefits,
}

impl TierSettings {
    pub fn validate(&self) -> Result<(), TierSettingsError> {
        let unit = Decimal::ZERO..=Decimal::ONE;
        if !unit.contains(&self.consumption_weight)
            || !unit.contains(&self.interaction_weight)
            || self.consumption_weight + self.interaction_weight != Decimal::ONE
        {
            return Err(TierSettingsError::Weights);
        }
        let [a, b, c] = self.thresholds;
        if !(Decimal::ZERO < a && a < b && b < c) {
            return Err(TierSettingsError::Thresholds);
        }
        if self.spend_divisor <= Decimal::ZERO
            || self.per_visit < Decimal::ZERO
            || self.per_interaction < Decimal::ZERO
            || self.per_referral < Decimal::ZERO
        {
            return Err(TierSettingsError::Values);
        }
        if self.benefits.iter().any(|b| b.chars().count() > 200) {
            return Err(TierSettingsError::Benefits);
        }
        Ok(())
    }

    pub fn benefits_of(&self, tier: Tier) -> &str {
        &self.benefits[tier.rank()]
    }
}

/// What a member did in the window (and ever, for Loyal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TierInputs {
    /// Sum of `paid − refunds` of the window's checkouts.
    pub net_spend: Money,
    /// The window's checkouts not fully refunded.
    pub visits: i64,
    pub interactions: i64,
    /// Referees whose first checkout fell in the window.
    pub referrals: i64,
    /// Whether the member has ever made a successful referral (up to the evaluation day).
    pub ever_referred: bool,
}

/// The outcome of evaluating one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierEvaluation {
    pub consumption: Decimal,
    pub interaction: Decimal,
    pub score: Decimal,
    pub tier: Tier,
}

/// The 12 full calendar months before the evaluation month's 1st: (first day, last day).
pub fn window(evaluation_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = first_of_month(evaluation_day);
    let start = first.checked_sub_months(Months::new(12)).expect("in range");
    (start, first.pred_opt().expect("in range"))
}

pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

/// The tier a score earns.
pub fn tier_for_score(score: Decimal, ever_referred: bool, s: &TierSettings) -> Tier {
    let [a, b, c] = s.thresholds;
    if score <= a {
        Tier::Regular
    } else if score <= b {
        Tier::Active
    } else if score <= c || (s.loyal_needs_referral && !ever_referred) {
        Tier::Core
    } else {
        Tier::Loyal
    }
}

pub fn evaluate(inputs: &TierInputs, s: &TierSettings) -> TierEvaluation {
    let consumption = inputs.net_spend / s.spend_divisor + s.per_visit * Decimal::from(inputs.visits);
    let interaction =
        s.per_interaction * Decimal::from(inputs.interactions) + s.per_referral * Decimal::from(inputs.referrals);
    let score = round_half_up(s.consumption_weight * consumption + s.interaction_weight * interaction);
    TierEvaluation {
        consumption: round_half_up(consumption),
        interaction: round_half_up(interaction),
        score,
        tier: tier_for_score(score, inputs.ever_referred, s),
    }
}

/// What a member still needs for the next tier, by spending or by visits alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextTierGap {
    pub next: Tier,
    /// The score still missing (strictly above the threshold).
    pub score_missing: Decimal,
    /// Spend that closes the gap (each yuan raises C by 1/divisor), if spend counts at all.
    pub spend: Option<Money>,
    /// Visits that close the gap (each raises C by the per-visit value), if visits count.
    pub visits: Option<i64>,
    /// Core → Loyal also needs a successful referral.
    pub needs_referral: bool,
}

/// The gap from `current` to the next tier up, or `None` at the top.
pub fn next_tier_gap(current: &TierEvaluation, ever_referred: bool, s: &TierSettings) -> Option<NextTierGap> {
    let reached = tier_for_score(current.score, true, s);
    let next = match reached {
        Tier::Regular => Tier::Active,
        Tier::Active => Tier::Core,
        Tier::Core => Tier::Loyal,
        Tier::Loyal => {
            if ever_referred || !s.loyal_needs_referral {
                return None;
            }
            return Some(NextTierGap {
                next: Tier::Loyal,
                score_missing: Decimal::ZERO,
                spend: None,
                visits: None,
                needs_referral: true,
            });
        }
    };
    let bound = s.thresholds[next.rank() - 1];
    let cent = Decimal::new(1, 2);
    let missing = (bound - current.score + cent).max(cent);
    let per_yuan = s.consumption_weight / s.spend_divisor;
    let spend = (per_yuan > Decimal::ZERO).then(|| {
        // The smallest whole-fen spend whose score, rounded half-up, passes the bound.
        let mut yuan = (missing / per_yuan * Decimal::ONE_HUNDRED).ceil() / Decimal::ONE_HUNDRED;
        while yuan > Decimal::ZERO && round_half_up(current.score + (yuan - cent) * per_yuan) > bound {
            yuan -= cent;
        }
        crate::money::with_two_places(yuan)
    });
    let per_visit = s.consumption_weight * s.per_visit;
    let visits = (per_visit > Decimal::ZERO).then(|| {
        use rust_decimal::prelude::ToPrimitive;
        (missing / per_visit).ceil().to_i64().unwrap_or(i64::MAX)
    });
    Some(NextTierGap {
        next,
        score_missing: missing,
        spend,
        visits,
        needs_referral: next == Tier::Loyal && s.loyal_needs_referral && !ever_referred,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn eval(net: Decimal, visits: i64, interactions: i64, referrals: i64, ever: bool) -> TierEvaluation {
        evaluate(
            &TierInputs { net_spend: net, visits, interactions, referrals, ever_referred: ever },
            &TierSettings::default(),
        )
    }

    #[test]
    fn worked_example_active() {
        let e = eval(dec!(8000), 24, 3, 0, false);
        assert_eq!((e.consumption, e.interaction, e.score, e.tier), (dec!(128), dec!(30), dec!(88.80), Tier::Active));
    }

    #[test]
    fn worked_example_loyal_and_core_without_referral() {
        let e = eval(dec!(15000), 30, 5, 1, true);
        assert_eq!((e.consumption, e.interaction, e.score, e.tier), (dec!(210), dec!(80), dec!(158.00), Tier::Loyal));
        let e = eval(dec!(15000), 30, 5, 0, false);
        assert_eq!((e.interaction, e.score, e.tier), (dec!(50), dec!(146.00), Tier::Core));
    }

    #[test]
    fn boundaries_are_inclusive_below() {
        let s = TierSettings::default();
        for (score, ever, tier) in [
            (dec!(50.00), false, Tier::Regular),
            (dec!(50.01), false, Tier::Active),
            (dec!(100.00), false, Tier::Active),
            (dec!(100.01), false, Tier::Core),
            (dec!(150.00), true, Tier::Core),
            (dec!(150.01), true, Tier::Loyal),
            (dec!(150.01), false, Tier::Core),
            (dec!(999), false, Tier::Core),
        ] {
            assert_eq!(tier_for_score(score, ever, &s), tier, "{score} {ever}");
        }
    }

    #[test]
    fn the_window_is_the_twelve_full_months_before() {
        assert_eq!(window(d("2026-12-01")), (d("2025-12-01"), d("2026-11-30")));
        assert_eq!(window(d("2025-03-01")), (d("2024-03-01"), d("2025-02-28")));
    }

    #[test]
    fn settings_are_validated() {
        let mut s = TierSettings::default();
        assert!(s.validate().is_ok());
        s.consumption_weight = dec!(0.7);
        assert_eq!(s.validate(), Err(TierSettingsError::Weights));
        let mut s = TierSettings::default();
        s.thresholds = [dec!(50), dec!(50), dec!(150)];
        assert_eq!(s.validate(), Err(TierSettingsError::Thresholds));
        let mut s = TierSettings::default();
        s.consumption_weight = dec!(1.2);
        s.interaction_weight = dec!(-0.2);
        assert_eq!(s.validate(), Err(TierSettingsError::Weights));
    }

    #[test]
    fn the_gap_to_the_next_tier() {
        let s = TierSettings::default();
        // S = 88.80 (Active): Core needs S > 100, i.e. 11.21 more.
        let e = eval(dec!(8000), 24, 3, 0, false);
        let gap = next_tier_gap(&e, false, &s).unwrap();
        assert_eq!(gap.next, Tier::Core);
        assert_eq!(gap.score_missing, dec!(11.21));
        // 11.21 / 0.006 = 1868.33…; the smallest whole-fen spend that rounds past 100.00.
        let spend = gap.spend.unwrap();
        let after = eval(dec!(8000) + spend, 24, 3, 0, false);
        assert_eq!(after.tier, Tier::Core, "spending {spend} reaches Core");
        let less = eval(dec!(8000) + spend - dec!(0.01), 24, 3, 0, false);
        assert_eq!(less.tier, Tier::Active, "one fen less does not");
        assert_eq!(gap.visits, Some(10), "each visit adds 1.2 to S");
        // Core with a high score but no referral: needs one.
        let e = eval(dec!(30000), 30, 0, 0, false);
        let gap = next_tier_gap(&e, false, &s).unwrap();
        assert!(gap.needs_referral);
        assert_eq!(next_tier_gap(&eval(dec!(30000), 30, 0, 1, true), true, &s), None);
    }
}
