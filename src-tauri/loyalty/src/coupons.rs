//! Coupons (rules §6–7): validity ("N days" counts the day of issue), whether a coupon may
//! be used on a checkout (each refusal its own reason), the discount (amount off, or a rate
//! rounded half-up), and coupon codes.

use crate::money::{round_half_up, with_two_places, Money};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CouponKind {
    /// Money off: `value` yuan.
    Amount,
    /// A rate: pay `value` of the gross (0.80 = 8折).
    Rate,
    /// A service or gift voucher: presented, not applied at a checkout.
    Service,
}

impl CouponKind {
    pub fn code(self) -> &'static str {
        match self {
            CouponKind::Amount => "amount",
            CouponKind::Rate => "rate",
            CouponKind::Service => "service",
        }
    }
    pub fn parse(code: &str) -> Option<CouponKind> {
        [CouponKind::Amount, CouponKind::Rate, CouponKind::Service].into_iter().find(|k| k.code() == code)
    }
}

/// What a coupon gives and asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponTerms {
    pub kind: CouponKind,
    pub value: Decimal,
    pub min_spend: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("减免金额须大于 0")]
    AmountNotPositive,
    #[error("折扣须在 0 和 1 之间（如 0.80 表示 8 折）")]
    RateOutOfRange,
    #[error("使用门槛不能为负")]
    NegativeMinimum,
    #[error("有效天数须为 1–3650 天")]
    Days,
    #[error("面值和使用门槛不能超过 1,000,000 元")]
    TooLarge,
    #[error("金额最多两位小数")]
    Decimals,
}

impl CouponTerms {
    pub fn validate(&self, days_valid: i64) -> Result<(), TermsError> {
        match self.kind {
            CouponKind::Amount if self.value <= Decimal::ZERO => return Err(TermsError::AmountNotPositive),
            CouponKind::Rate if self.value <= Decimal::ZERO || self.value >= Decimal::ONE => {
                return Err(TermsError::RateOutOfRange)
            }
            _ => {}
        }
        if self.min_spend < Decimal::ZERO {
            return Err(TermsError::NegativeMinimum);
        }
        if self.min_spend.normalize().scale() > 2
            || (self.kind == CouponKind::Amount && self.value.normalize().scale() > 2)
        {
            return Err(TermsError::Decimals);
        }
        let cap = Decimal::from(1_000_000);
        if self.min_spend > cap || (self.kind == CouponKind::Amount && self.value > cap) {
            return Err(TermsError::TooLarge);
        }
        if !(1..=3650).contains(&days_valid) {
            return Err(TermsError::Days);
        }
        Ok(())
    }

    /// "满100减10", "9折", "免费上门检修" style short description.
    pub fn describe(&self) -> String {
        let min =
            if self.min_spend > Decimal::ZERO { format!("满{}", self.min_spend.normalize()) } else { String::new() };
        match self.kind {
            CouponKind::Amount if min.is_empty() => format!("{}元无门槛", self.value.normalize()),
            CouponKind::Amount => format!("{min}减{}", self.value.normalize()),
            CouponKind::Rate => format!("{min}{}折", (self.value * Decimal::TEN).normalize()),
            CouponKind::Service => "兑换券".to_string(),
        }
    }
}

/// Valid from the day of issue for `days` days, that day counted: issued 2026-11-02 for 30
/// days → valid through 2026-12-01.
pub fn validity(issued_on: NaiveDate, days: i64) -> (NaiveDate, NaiveDate) {
    (issued_on, issued_on + Days::new((days.max(1) - 1) as u64))
}

/// A referral succeeds with the referee's first checkout that paid something (rules §7):
/// the smallest payment, in fen, that makes a sale count for it. The store's queries take
/// this as a parameter; nothing else defines it.
pub const REFERRAL_SALE_MIN_PAID_FEN: i64 = 1;

/// Whether a sale paying `paid_fen` can make its member's referral successful.
pub fn counts_for_referral(paid_fen: i64) -> bool {
    paid_fen >= REFERRAL_SALE_MIN_PAID_FEN
}

/// Whether the referrer is rewarded now: the referee's sale counts for a referral, it is
/// the first such sale (`paid_sales` counts it), and no reward was given for this referee.
pub fn referral_reward_due(paid_fen: i64, paid_sales: i64, already_rewarded: bool) -> bool {
    counts_for_referral(paid_fen) && paid_sales == 1 && !already_rewarded
}

/// The birthday coupon (rules §6): valid from the day it is issued with the contact list
/// to 7 days after the birthday.
pub fn birthday_coupon_validity(issued_on: NaiveDate, birthday: NaiveDate) -> (NaiveDate, NaiveDate) {
    (issued_on, birthday + chrono::Days::new(BIRTHDAY_COUPON_DAYS_AFTER))
}

/// How many days after the birthday the birthday coupon stays valid.
pub const BIRTHDAY_COUPON_DAYS_AFTER: u64 = 7;

/// The status of a coupon as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CouponStatus {
    Unused,
    Used,
    Expired,
    Void,
}

impl CouponStatus {
    pub fn code(self) -> &'static str {
        match self {
            CouponStatus::Unused => "unused",
            CouponStatus::Used => "used",
            CouponStatus::Expired => "expired",
            CouponStatus::Void => "void",
        }
    }
    pub fn parse(code: &str) -> Option<CouponStatus> {
        [CouponStatus::Unused, CouponStatus::Used, CouponStatus::Expired, CouponStatus::Void]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Why a coupon cannot be used on a checkout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponRefusal {
    #[error("优惠券已过期（有效期至 {0}）")]
    Expired(NaiveDate),
    #[error("优惠券尚未生效（{0} 起可用）")]
    NotYetValid(NaiveDate),
    #[error("优惠券已使用")]
    Used,
    #[error("优惠券已作废")]
    Void,
    #[error("优惠券不属于该会员")]
    NotOwned,
    #[error("未满{0}元，不能使用该优惠券")]
    BelowMinimum(String),
    #[error("这是兑换券，请在服务时出示，不能用于结账")]
    NotForCheckout,
}

/// A coupon as the use check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponState {
    pub owner: i64,
    pub status: CouponStatus,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub terms: CouponTerms,
}

/// Whether `coupon` may be used by `member` on `store_date` for a checkout of `gross`.
pub fn check_use(coupon: &CouponState, member: i64, store_date: NaiveDate, gross: Money) -> Result<(), CouponRefusal> {
    if coupon.owner != member {
        return Err(CouponRefusal::NotOwned);
    }
    match coupon.status {
        CouponStatus::Used => return Err(CouponRefusal::Used),
        CouponStatus::Void => return Err(CouponRefusal::Void),
        CouponStatus::Expired => return Err(CouponRefusal::Expired(coupon.valid_until)),
        CouponStatus::Unused => {}
    }
    if store_date > coupon.valid_until {
        return Err(CouponRefusal::Expired(coupon.valid_until));
    }
    if store_date < coupon.valid_from {
        return Err(CouponRefusal::NotYetValid(coupon.valid_from));
    }
    if coupon.terms.kind == CouponKind::Service {
        return Err(CouponRefusal::NotForCheckout);
    }
    if gross < coupon.terms.min_spend {
        return Err(CouponRefusal::BelowMinimum(coupon.terms.min_spend.normalize().to_string()));
    }
    Ok(())
}

/// The discount and what is paid: amount off `min(value, gross)`; a rate pays
/// `round(gross × rate, 2)` half-up.
pub fn apply(terms: &CouponTerms, gross: Money) -> (Money, Money) {
    match terms.kind {
        CouponKind::Amount => {
            let discount = with_two_places(terms.value.min(gross));
            (discount, with_two_places(gross - discount))
        }
        CouponKind::Rate => {
            let paid = round_half_up(gross * terms.value);
            (with_two_places(gross - paid), paid)
        }
        CouponKind::Service => (with_two_places(Decimal::ZERO), with_two_places(gross)),
    }
}

/// `Q` + 8 characters of the referral alphabet, a bijection of the coupon's id (so codes
/// never repeat) that does not read as a running number.
pub fn coupon_code(id: i64) -> String {
    const MASK: u64 = (1 << 40) - 1;
    let mut v = ((id as u64).wrapping_mul(0x9E37_79B9_7F4B) ^ 0x5DEE_CE66D) & MASK;
    v = v.wrapping_mul(0xBF58_476D_1CE5) & MASK;
    v ^= v >> 19;
    let alphabet = crate::member::REFERRAL_ALPHABET;
    let body: String = (0..8).map(|i| alphabet[((v >> (5 * i)) & 31) as usize] as char).collect();
    format!("Q{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referral_succeeds_once_with_the_referees_first_paid_sale() {
        assert!(referral_reward_due(1, 1, false), "one fen paid counts");
        assert!(!referral_reward_due(0, 0, false), "a sale paying nothing (a coupon covered it) does not");
        assert!(!referral_reward_due(500, 2, false), "only the first paid sale");
        assert!(!referral_reward_due(500, 1, true), "once per referee");
    }

    #[test]
    fn the_birthday_coupon_runs_from_the_list_day_to_7_days_after_the_birthday() {
        let d = |s: &str| -> NaiveDate { s.parse().unwrap() };
        assert_eq!(birthday_coupon_validity(d("2026-11-23"), d("2026-11-25")), (d("2026-11-23"), d("2026-12-02")));
    }

    #[test]
    fn template_numbers_have_bounds() {
        let terms = |kind, value: i64, min: i64| CouponTerms {
            kind,
            value: Decimal::from(value),
            min_spend: Decimal::from(min),
        };
        assert_eq!(terms(CouponKind::Amount, 10, i64::MAX).validate(30), Err(TermsError::TooLarge));
        assert_eq!(terms(CouponKind::Amount, 2_000_000, 0).validate(30), Err(TermsError::TooLarge));
        assert_eq!(terms(CouponKind::Amount, 10, 100).validate(i64::MAX), Err(TermsError::Days));
        let fine = CouponTerms { kind: CouponKind::Amount, value: Decimal::new(1005, 3), min_spend: Decimal::ZERO };
        assert_eq!(fine.validate(30), Err(TermsError::Decimals));
        assert_eq!(terms(CouponKind::Amount, 10, 100).validate(30), Ok(()));
    }
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn coupon(kind: CouponKind, value: Decimal, min: Decimal) -> CouponState {
        CouponState {
            owner: 1,
            status: CouponStatus::Unused,
            valid_from: d("2026-11-02"),
            valid_until: d("2026-12-01"),
            terms: CouponTerms { kind, value, min_spend: min },
        }
    }

    #[test]
    fn n_days_count_the_day_of_issue() {
        assert_eq!(validity(d("2026-11-02"), 30), (d("2026-11-02"), d("2026-12-01")));
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let c = coupon(CouponKind::Amount, dec!(10), dec!(100));
        assert_eq!(check_use(&c, 2, d("2026-11-10"), dec!(150)), Err(CouponRefusal::NotOwned));
        assert_eq!(check_use(&c, 1, d("2026-12-02"), dec!(150)), Err(CouponRefusal::Expired(d("2026-12-01"))));
        assert_eq!(check_use(&c, 1, d("2026-12-01"), dec!(150)), Ok(()), "valid through its last day");
        assert_eq!(check_use(&c, 1, d("2026-11-01"), dec!(150)), Err(CouponRefusal::NotYetValid(d("2026-11-02"))));
        assert_eq!(check_use(&c, 1, d("2026-11-10"), dec!(99.99)), Err(CouponRefusal::BelowMinimum("100".into())));
        assert_eq!(CouponRefusal::BelowMinimum("100".into()).to_string(), "未满100元，不能使用该优惠券");
        assert_eq!(check_use(&c, 1, d("2026-11-10"), dec!(100.00)), Ok(()));
        let used = CouponState { status: CouponStatus::Used, ..c };
        assert_eq!(check_use(&used, 1, d("2026-11-10"), dec!(150)), Err(CouponRefusal::Used));
        let service = coupon(CouponKind::Service, dec!(0), dec!(0));
        assert_eq!(check_use(&service, 1, d("2026-11-10"), dec!(150)), Err(CouponRefusal::NotForCheckout));
    }

    #[test]
    fn discounts_amount_off_and_rates_rounded_half_up() {
        assert_eq!(
            apply(&coupon(CouponKind::Amount, dec!(10), dec!(100)).terms, dec!(120.00)),
            (dec!(10.00), dec!(110.00))
        );
        assert_eq!(apply(&coupon(CouponKind::Amount, dec!(50), dec!(0)).terms, dec!(30.00)), (dec!(30.00), dec!(0.00)));
        // 199.99 × 0.80 = 159.992 → 159.99.
        assert_eq!(
            apply(&coupon(CouponKind::Rate, dec!(0.80), dec!(0)).terms, dec!(199.99)),
            (dec!(40.00), dec!(159.99))
        );
        // 0.05 × 0.90 = 0.045 → 0.05 (half up).
        assert_eq!(apply(&coupon(CouponKind::Rate, dec!(0.90), dec!(0)).terms, dec!(0.05)), (dec!(0.00), dec!(0.05)));
    }

    #[test]
    fn terms_are_validated_and_described() {
        let t = CouponTerms { kind: CouponKind::Rate, value: dec!(1.2), min_spend: dec!(0) };
        assert_eq!(t.validate(30), Err(TermsError::RateOutOfRange));
        let t = CouponTerms { kind: CouponKind::Amount, value: dec!(10), min_spend: dec!(100) };
        assert_eq!(t.validate(0), Err(TermsError::Days));
        assert_eq!(t.describe(), "满100减10");
        assert_eq!(CouponTerms { kind: CouponKind::Rate, value: dec!(0.90), min_spend: dec!(0) }.describe(), "9折");
        assert_eq!(
            CouponTerms { kind: CouponKind::Amount, value: dec!(50), min_spend: dec!(0) }.describe(),
            "50元无门槛"
        );
    }

    #[test]
    fn coupon_codes_never_repeat() {
        let codes: std::collections::HashSet<String> = (1..50_000).map(coupon_code).collect();
        assert_eq!(codes.len(), 49_999);
        assert!(codes.iter().all(|c| c.len() == 9 && c.starts_with('Q')));
    }
}
