//! The store's program settings: every number of the rule book that a manager may change,
//! with the defaults a new store starts with (rules.md).

use crate::points::Tier;
use crate::tiers::TierSettings;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgramSettings {
    /// Points per yuan paid (rules §3).
    pub points_per_yuan: Decimal,
    /// Points multiplier of each tier, low to high.
    pub multipliers: [Decimal; 4],
    /// A lot is valid this many months after the day it was earned, inclusive.
    pub lot_valid_months: u32,
    /// A checkout paying at least this gets the spend-threshold gift.
    pub gift_threshold: Decimal,
    pub gift_label: String,
    /// A store date this many days past the last one needs a manager's confirmation.
    pub max_unconfirmed_jump_days: i64,
    /// Points for taking part: survey, feedback, event, share (rules §8).
    pub interaction_points: [i64; 4],
    /// Points of the new-member pack (rules §6).
    pub new_member_points: i64,
    /// Points for the referrer when a referee makes a first checkout, and for a Loyal
    /// referrer (rules §7).
    pub referral_points: i64,
    pub referral_points_loyal: i64,
    /// Contact list (rules §9): a follow-up call for a checkout this many days ago paying at
    /// least this much; recall after this many days without a visit; points expiring this
    /// many days ahead.
    pub follow_up_days: u64,
    pub follow_up_min_paid: Decimal,
    pub lapsed_days: u64,
    pub expiring_days: u64,
    /// The desktop screen locks after this many idle minutes (rules §11).
    pub idle_lock_minutes: u32,
    /// What one point is worth in yuan: the points liability of the figures (rules §13).
    pub point_value: Decimal,
    /// The tier model (rules §5).
    pub tiers: TierSettings,
    /// The store's name as the member card and the slip print it.
    pub store_name: String,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings {
            points_per_yuan: Decimal::ONE,
            multipliers: [Decimal::ONE, Decimal::ONE, Decimal::new(12, 1), Decimal::new(15, 1)],
            lot_valid_months: 12,
            gift_threshold: Decimal::new(50000, 2),
            gift_label: "满500赠品".to_string(),
            max_unconfirmed_jump_days: 31,
            interaction_points: [20, 50, 30, 10],
            new_member_points: 50,
            referral_points: 100,
            referral_points_loyal: 200,
            follow_up_days: 3,
            follow_up_min_paid: Decimal::new(30000, 2),
            lapsed_days: 90,
            expiring_days: 30,
            idle_lock_minutes: 10,
            point_value: Decimal::new(10, 2),
            tiers: TierSettings::default(),
            store_name: "本店".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Tiers(#[from] crate::tiers::TierSettingsError),
    #[error("积分倍率须在 0 到 10 之间，且等级越高倍率不低于下一级")]
    Multipliers,
    #[error("“{label}”（{field}）须在 {min} 到 {max} 之间")]
    OutOfRange { field: &'static str, label: &'static str, min: String, max: String },
    #[error("赠品名称（gift_label）须为 1 到 20 个字")]
    GiftLabel,
    #[error("店名（store_name）须为 1 到 30 个字")]
    StoreName,
}

impl SettingsError {
    /// The settings field the refusal names (the screen shows the message beside it).
    pub fn field(&self) -> &'static str {
        match self {
            SettingsError::Tiers(_) => "tiers",
            SettingsError::Multipliers => "multipliers",
            SettingsError::OutOfRange { field, .. } => field,
            SettingsError::GiftLabel => "gift_label",
            SettingsError::StoreName => "store_name",
        }
    }
}

fn within<T: PartialOrd + ToString>(
    field: &'static str,
    label: &'static str,
    value: T,
    min: T,
    max: T,
) -> Result<(), SettingsError> {
    if value < min || value > max {
        return Err(SettingsError::OutOfRange { field, label, min: min.to_string(), max: max.to_string() });
    }
    Ok(())
}

impl ProgramSettings {
    /// Every number a manager can edit has bounds, so nothing overflows later (a huge
    /// minimum, points per visit, validity months); a value out of them names its field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.tiers.validate()?;
        let t = &self.tiers;
        let hundred_k = Decimal::from(100_000);
        within("points_per_yuan", "每元积分", self.points_per_yuan, Decimal::ZERO, Decimal::from(100))?;
        within("lot_valid_months", "积分有效月数", self.lot_valid_months, 1, 120)?;
        within("gift_threshold", "满额赠礼门槛", self.gift_threshold, Decimal::ZERO, Decimal::from(1_000_000))?;
        let label = self.gift_label.trim().chars().count();
        if label == 0 || label > 20 {
            return Err(SettingsError::GiftLabel);
        }
        let name = self.store_name.trim().chars().count();
        if name == 0 || name > 30 {
            return Err(SettingsError::StoreName);
        }
        within("max_unconfirmed_jump_days", "无需确认的日期跳跃天数", self.max_unconfirmed_jump_days, 1, 365)?;
        for p in self.interaction_points {
            within("interaction_points", "互动积分", p, 0, 10_000)?;
        }
        within("new_member_points", "入会积分", self.new_member_points, 0, 100_000)?;
        within("referral_points", "推荐奖励积分", self.referral_points, 0, 100_000)?;
        within("referral_points_loyal", "忠诚会员推荐奖励积分", self.referral_points_loyal, 0, 100_000)?;
        within("follow_up_days", "消费回访天数", self.follow_up_days, 1, 90)?;
        within("follow_up_min_paid", "消费回访金额", self.follow_up_min_paid, Decimal::ZERO, Decimal::from(1_000_000))?;
        within("lapsed_days", "流失召回天数", self.lapsed_days, 1, 3_650)?;
        within("expiring_days", "积分到期提醒天数", self.expiring_days, 1, 365)?;
        within("idle_lock_minutes", "无操作锁屏分钟数", self.idle_lock_minutes, 1, 120)?;
        within("point_value", "每积分价值（元）", self.point_value, Decimal::ZERO, Decimal::TEN)?;
        within("tiers.spend_divisor", "消费折算金额", t.spend_divisor, Decimal::ZERO, hundred_k)?;
        within("tiers.per_visit", "每次到店分值", t.per_visit, Decimal::ZERO, Decimal::from(1_000))?;
        within("tiers.per_interaction", "每次互动分值", t.per_interaction, Decimal::ZERO, Decimal::from(1_000))?;
        within("tiers.per_referral", "每次推荐分值", t.per_referral, Decimal::ZERO, Decimal::from(1_000))?;
        for th in t.thresholds {
            within("tiers.thresholds", "等级门槛", th, Decimal::ZERO, Decimal::from(1_000_000))?;
        }
        let m = self.multipliers;
        if m.iter().any(|x| *x < Decimal::ZERO || *x > Decimal::TEN) || m.windows(2).any(|w| w[1] < w[0]) {
            return Err(SettingsError::Multipliers);
        }
        Ok(())
    }

    pub fn multiplier(&self, tier: Tier) -> Decimal {
        self.multipliers[tier.rank()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_every_number_has_bounds() {
        assert_eq!(ProgramSettings::default().validate(), Ok(()));
        let out = |f: &dyn Fn(&mut ProgramSettings)| {
            let mut s = ProgramSettings::default();
            f(&mut s);
            s.validate().unwrap_err().field()
        };
        assert_eq!(out(&|s| s.lot_valid_months = 4_000_000_000), "lot_valid_months");
        assert_eq!(out(&|s| s.interaction_points[0] = i64::MAX), "interaction_points");
        assert_eq!(out(&|s| s.follow_up_min_paid = Decimal::from(i64::MAX)), "follow_up_min_paid");
        assert_eq!(out(&|s| s.lapsed_days = u64::MAX), "lapsed_days");
        assert_eq!(out(&|s| s.idle_lock_minutes = 0), "idle_lock_minutes");
        assert_eq!(out(&|s| s.tiers.per_visit = Decimal::from(1_000_000)), "tiers.per_visit");
        assert_eq!(out(&|s| s.max_unconfirmed_jump_days = -1), "max_unconfirmed_jump_days");
        let mut s = ProgramSettings::default();
        s.lot_valid_months = 0;
        assert_eq!(s.validate().unwrap_err().to_string(), "“积分有效月数”（lot_valid_months）须在 1 到 120 之间");
    }
}
