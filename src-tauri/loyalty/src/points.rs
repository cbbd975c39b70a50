//! Points (rules §3–4): earning with the tier multiplier, lots with their validity,
//! spending first-expiring-first, refund claw-back, and repaying a negative balance.
//!
//! **Invariant kept by the store with these rules: a member's balance is the sum of the
//! ledger; when it is ≥ 0 it equals the sum of the lots' remaining points, and when it
//! is < 0 every lot is empty (the balance is a debt that the next awards repay).**

use crate::money::Money;
use crate::program::ProgramSettings;
use chrono::{Months, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest manual adjustment of points, either way (rules §8).
pub const MAX_ADJUSTMENT: i64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdjustmentError {
    #[error("调整积分必须填写原因")]
    ReasonRequired,
    #[error("调整的积分须为非零整数，且不超过 1,000,000")]
    OutOfRange,
}

/// A manager's adjustment: a reason, and a size of 1 to [`MAX_ADJUSTMENT`] points.
pub fn check_adjustment(points: i64, reason: &str) -> Result<(), AdjustmentError> {
    if reason.trim().is_empty() {
        return Err(AdjustmentError::ReasonRequired);
    }
    if points == 0 || points.checked_abs().is_none_or(|p| p > MAX_ADJUSTMENT) {
        return Err(AdjustmentError::OutOfRange);
    }
    Ok(())
}

/// A lot is valid through its `valid_until` day, inclusive (rules §3): bringing the store
/// up to `store_date` expires the lots whose last valid day is this one or earlier.
pub fn last_expired_day(store_date: NaiveDate) -> NaiveDate {
    store_date - chrono::Days::new(1)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("小票号“{0}”无效：1–40 个字符，不含空格")]
pub struct ReceiptNoError(pub String);

/// A receipt number: 1–40 characters, no spaces or control characters.
pub fn check_receipt_no(text: &str) -> Result<String, ReceiptNoError> {
    let r = text.trim();
    if r.is_empty() || r.chars().count() > 40 || r.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ReceiptNoError(r.to_string()));
    }
    Ok(r.to_string())
}

/// The receipt numbers the till suggests on a day: `R<YYYYMMDD>-NNNN`; this is the prefix.
pub fn receipt_prefix(day: NaiveDate) -> String {
    format!("R{}-", day.format("%Y%m%d"))
}

/// The `n`th suggested receipt number of a day (from 1).
pub fn suggested_receipt_no(day: NaiveDate, n: i64) -> String {
    format!("{}{n:04}", receipt_prefix(day))
}

/// Member tiers, low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Regular,
    Active,
    Core,
    Loyal,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Regular, Tier::Active, Tier::Core, Tier::Loyal];
    pub fn rank(self) -> usize {
        self as usize
    }
    pub fn code(self) -> &'static str {
        match self {
            Tier::Regular => "regular",
            Tier::Active => "active",
            Tier::Core => "core",
            Tier::Loyal => "loyal",
        }
    }
    pub fn parse(code: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.code() == code)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Tier::Regular => "普通",
            Tier::Active => "活跃",
            Tier::Core => "核心",
            Tier::Loyal => "忠诚",
        }
    }
}

fn floor_points(value: Decimal) -> i64 {
    value.floor().to_i64().expect("points of one receipt fit in i64")
}

/// Points earned on a payment: `floor(paid × points per yuan × multiplier)`.
pub fn earned_points(paid: Money, multiplier: Decimal, settings: &ProgramSettings) -> i64 {
    floor_points(paid * settings.points_per_yuan * multiplier).max(0)
}

/// The last day a lot earned on `earned_on` can be spent (Feb 29 + 12 months = Feb 28).
pub fn lot_valid_until(earned_on: NaiveDate, settings: &ProgramSettings) -> NaiveDate {
    earned_on.checked_add_months(Months::new(settings.lot_valid_months)).expect("dates stay far inside chrono's range")
}

/// A lot's points expire on the day after `valid_until`.
pub fn is_expired(valid_until: NaiveDate, store_date: NaiveDate) -> bool {
    store_date > valid_until
}

/// Total points a receipt loses once `refunded` of its `paid` has been refunded:
/// `earned − floor((paid − refunded) × rate × multiplier)`, never below zero.
pub fn clawback_total(
    earned: i64,
    paid: Money,
    refunded: Money,
    multiplier: Decimal,
    settings: &ProgramSettings,
) -> i64 {
    let kept = floor_points((paid - refunded).max(Decimal::ZERO) * settings.points_per_yuan * multiplier);
    (earned - kept).max(0)
}

/// What one refund claws back: the increase of the total over what earlier refunds took.
pub fn clawback_for_refund(
    earned: i64,
    paid: Money,
    refunded_before: Money,
    refund: Money,
    multiplier: Decimal,
    settings: &ProgramSettings,
) -> i64 {
    let before = clawback_total(earned, paid, refunded_before, multiplier, settings);
    let after = clawback_total(earned, paid, refunded_before + refund, multiplier, settings);
    (after - before).max(0)
}

/// The spend-threshold gift to hand over, if any (one per receipt).
pub fn threshold_gift(paid: Money, settings: &ProgramSettings) -> Option<String> {
    (paid >= settings.gift_threshold).then(|| settings.gift_label.clone())
}

/// A lot with points left, as the spending rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotBalance {
    pub lot_id: i64,
    pub valid_until: NaiveDate,
    pub remaining: i64,
}

/// Points taken from one lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotTake {
    pub lot_id: i64,
    pub points: i64,
}

/// Takes `points` from the lots that expire first (ties: the older lot). Returns the takes
/// and the part no lot could cover.
pub fn take_first_expiring(lots: &[LotBalance], points: i64) -> (Vec<LotTake>, i64) {
    let mut order: Vec<&LotBalance> = lots.iter().filter(|l| l.remaining > 0).collect();
    order.sort_by_key(|l| (l.valid_until, l.lot_id));
    let mut left = points.max(0);
    let mut takes = Vec::new();
    for lot in order {
        if left == 0 {
            break;
        }
        let take = left.min(lot.remaining);
        takes.push(LotTake { lot_id: lot.lot_id, points: take });
        left -= take;
    }
    (takes, left)
}

/// A refund's claw-back: from the receipt's own lot first, then first-expiring. What no
/// lot covers makes the balance negative.
pub fn take_for_clawback(lots: &[LotBalance], own_lot: Option<i64>, points: i64) -> (Vec<LotTake>, i64) {
    let mut left = points.max(0);
    let mut takes = Vec::new();
    if let Some(own) = own_lot.and_then(|id| lots.iter().find(|l| l.lot_id == id)) {
        let take = left.min(own.remaining.max(0));
        if take > 0 {
            takes.push(LotTake { lot_id: own.lot_id, points: take });
            left -= take;
        }
    }
    let others: Vec<LotBalance> = lots.iter().filter(|l| Some(l.lot_id) != own_lot).copied().collect();
    let (more, shortfall) = take_first_expiring(&others, left);
    takes.extend(more);
    (takes, shortfall)
}

/// How an award of points lands: first it repays a negative balance, the rest is a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardSplit {
    pub repays_debt: i64,
    pub new_lot: i64,
}

pub fn split_award(balance: i64, points: i64) -> AwardSplit {
    let debt = (-balance).max(0);
    let repays_debt = debt.min(points.max(0));
    AwardSplit { repays_debt, new_lot: points.max(0) - repays_debt }
}

/// Why a catalog item cannot be redeemed now (rules §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionRefusal {
    /// Redemption waits until a negative balance is repaid.
    NegativeBalance,
    ShortBalance,
    OutOfStock,
}

/// Whether a member with `balance` may redeem an item costing `cost` with `stock` left
/// (None: unlimited).
pub fn redemption_refusal(balance: i64, cost: i64, stock: Option<i64>) -> Option<RedemptionRefusal> {
    if balance < 0 {
        Some(RedemptionRefusal::NegativeBalance)
    } else if balance < cost {
        Some(RedemptionRefusal::ShortBalance)
    } else if stock == Some(0) {
        Some(RedemptionRefusal::OutOfStock)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_need_a_reason_and_a_bounded_size() {
        assert_eq!(check_adjustment(50, "活动补发"), Ok(()));
        assert_eq!(check_adjustment(-1_000_000, "清零"), Ok(()));
        assert_eq!(check_adjustment(50, "  "), Err(AdjustmentError::ReasonRequired));
        assert_eq!(check_adjustment(0, "x"), Err(AdjustmentError::OutOfRange));
        assert_eq!(check_adjustment(1_000_001, "x"), Err(AdjustmentError::OutOfRange));
        assert_eq!(check_adjustment(i64::MIN, "x"), Err(AdjustmentError::OutOfRange));
    }

    #[test]
    fn a_lot_is_valid_through_its_last_day_and_expires_the_next() {
        let d = |s: &str| -> NaiveDate { s.parse().unwrap() };
        // Earned 2025-11-23, valid until 2026-11-23 inclusive: still valid on the 23rd.
        assert_eq!(last_expired_day(d("2026-11-23")), d("2026-11-22"));
        assert!(d("2026-11-23") > last_expired_day(d("2026-11-23")));
        assert!(d("2026-11-23") <= last_expired_day(d("2026-11-24")));
    }

    #[test]
    fn receipt_numbers_and_the_tills_suggestion() {
        assert_eq!(check_receipt_no(" R1 ").unwrap(), "R1");
        assert!(check_receipt_no("R 1").is_err() && check_receipt_no("").is_err());
        assert!(check_receipt_no(&"9".repeat(41)).is_err());
        let day: NaiveDate = "2026-11-23".parse().unwrap();
        assert_eq!(suggested_receipt_no(day, 7), "R20261123-0007");
        assert!(suggested_receipt_no(day, 12).starts_with(&receipt_prefix(day)));
    }
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn core_member_paying_199_99_earns_239() {
        let s = ProgramSettings::default();
        assert_eq!(earned_points(dec!(199.99), s.multiplier(Tier::Core), &s), 239);
        assert_eq!(earned_points(dec!(199.99), s.multiplier(Tier::Regular), &s), 199);
        assert_eq!(earned_points(dec!(199.99), s.multiplier(Tier::Active), &s), 199);
        assert_eq!(earned_points(dec!(199.99), s.multiplier(Tier::Loyal), &s), 299);
    }

    #[test]
    fn lots_are_valid_twelve_months_inclusive() {
        let s = ProgramSettings::default();
        assert_eq!(lot_valid_until(d(2026, 3, 15), &s), d(2027, 3, 15));
        assert_eq!(lot_valid_until(d(2024, 2, 29), &s), d(2025, 2, 28));
        assert!(!is_expired(d(2027, 3, 15), d(2027, 3, 15)));
        assert!(is_expired(d(2027, 3, 15), d(2027, 3, 16)));
    }

    #[test]
    fn gift_from_500_paid() {
        let s = ProgramSettings::default();
        assert_eq!(threshold_gift(dec!(500.00), &s).as_deref(), Some("满500赠品"));
        assert_eq!(threshold_gift(dec!(499.99), &s), None);
    }

    #[test]
    fn clawback_follows_the_formula() {
        let s = ProgramSettings::default();
        let m = s.multiplier(Tier::Core);
        // Paid 199.99, earned 239. Refund 100.00: keeps floor(99.99 × 1.2) = 119 → loses 120.
        assert_eq!(clawback_for_refund(239, dec!(199.99), dec!(0), dec!(100.00), m, &s), 120);
        // Refund the rest: loses the other 119, every point of the receipt.
        assert_eq!(clawback_for_refund(239, dec!(199.99), dec!(100.00), dec!(99.99), m, &s), 119);
        // A history sale that earned nothing loses nothing.
        assert_eq!(clawback_for_refund(0, dec!(300.00), dec!(0), dec!(300.00), m, &s), 0);
    }

    #[test]
    fn spending_takes_the_first_expiring_lot() {
        let lots = [
            LotBalance { lot_id: 1, valid_until: d(2027, 5, 1), remaining: 100 },
            LotBalance { lot_id: 2, valid_until: d(2027, 1, 1), remaining: 30 },
            LotBalance { lot_id: 3, valid_until: d(2027, 3, 1), remaining: 50 },
        ];
        let (takes, short) = take_first_expiring(&lots, 60);
        assert_eq!(takes, vec![LotTake { lot_id: 2, points: 30 }, LotTake { lot_id: 3, points: 30 }]);
        assert_eq!(short, 0);
        let (_, short) = take_first_expiring(&lots, 200);
        assert_eq!(short, 20);
    }

    #[test]
    fn clawback_takes_its_own_lot_first() {
        let lots = [
            LotBalance { lot_id: 1, valid_until: d(2027, 1, 1), remaining: 100 },
            LotBalance { lot_id: 9, valid_until: d(2027, 11, 1), remaining: 40 },
        ];
        let (takes, short) = take_for_clawback(&lots, Some(9), 60);
        assert_eq!(takes, vec![LotTake { lot_id: 9, points: 40 }, LotTake { lot_id: 1, points: 20 }]);
        assert_eq!(short, 0);
        let (_, short) = take_for_clawback(&lots, Some(9), 170);
        assert_eq!(short, 30, "the rest makes the balance negative");
    }

    #[test]
    fn earning_while_negative_repays_the_debt_first() {
        assert_eq!(split_award(-30, 100), AwardSplit { repays_debt: 30, new_lot: 70 });
        assert_eq!(split_award(-300, 100), AwardSplit { repays_debt: 100, new_lot: 0 });
        assert_eq!(split_award(50, 100), AwardSplit { repays_debt: 0, new_lot: 100 });
    }

    #[test]
    fn redemption_needs_a_positive_balance_enough_points_and_stock() {
        assert_eq!(redemption_refusal(-1, 300, None), Some(RedemptionRefusal::NegativeBalance));
        assert_eq!(redemption_refusal(499, 500, None), Some(RedemptionRefusal::ShortBalance));
        assert_eq!(redemption_refusal(1000, 1000, Some(0)), Some(RedemptionRefusal::OutOfStock));
        assert_eq!(redemption_refusal(500, 500, None), None);
        assert_eq!(redemption_refusal(1000, 1000, Some(1)), None);
    }

    proptest! {
        #[test]
        fn takes_never_exceed_a_lot_and_cover_the_amount(
            remaining in proptest::collection::vec(0i64..500, 0..8),
            want in 0i64..3000,
        ) {
            let lots: Vec<LotBalance> = remaining.iter().enumerate().map(|(i, r)| LotBalance {
                lot_id: i as i64, valid_until: d(2027, 1, 1) + chrono::Days::new((i * 37 % 11) as u64), remaining: *r,
            }).collect();
            let (takes, short) = take_first_expiring(&lots, want);
            let taken: i64 = takes.iter().map(|t| t.points).sum();
            prop_assert_eq!(taken + short, want);
            let total: i64 = remaining.iter().sum();
            prop_assert_eq!(short, (want - total).max(0));
            for t in &takes {
                prop_assert!(t.points > 0 && t.points <= lots[t.lot_id as usize].remaining);
            }
        }

        #[test]
        fn clawback_over_partial_refunds_sums_to_the_full_refund(
            paid_fen in 1i64..10_000_000, cuts in proptest::collection::vec(1u32..100, 1..6), tier in 0usize..4,
        ) {
            let s = ProgramSettings::default();
            let m = s.multipliers[tier];
            let paid = Decimal::new(paid_fen, 2);
            let earned = earned_points(paid, m, &s);
            let total_cut: u32 = cuts.iter().sum();
            let mut refunded = Decimal::ZERO;
            let mut clawed = 0;
            let mut left_fen = paid_fen;
            for (i, c) in cuts.iter().enumerate() {
                let fen = if i + 1 == cuts.len() { left_fen } else { paid_fen * i64::from(*c) / i64::from(total_cut) };
                let fen = fen.min(left_fen);
                left_fen -= fen;
                let r = Decimal::new(fen, 2);
                let step = clawback_for_refund(earned, paid, refunded, r, m, &s);
                prop_assert!(step >= 0);
                clawed += step;
                refunded += r;
            }
            prop_assert_eq!(clawed, earned, "a full refund takes back every point of the receipt");
        }
    }
}
