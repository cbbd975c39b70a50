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
    /// The tier model (rules §5).
    pub tiers: TierSettings,
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
            tiers: TierSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Tiers(#[from] crate::tiers::TierSettingsError),
    #[error("积分倍率须在 0 到 10 之间，且等级越高倍率不低于下一级")]
    Multipliers,
}

impl ProgramSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.tiers.validate()?;
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
