//! The store's program settings: every number of the rule book that a manager may change,
//! with the defaults a new store starts with (rules.md).

use crate::points::Tier;
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
        }
    }
}

impl ProgramSettings {
    pub fn multiplier(&self, tier: Tier) -> Decimal {
        self.multipliers[tier.rank()]
    }
}
