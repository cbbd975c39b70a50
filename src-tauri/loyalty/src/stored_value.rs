//! Stored value (储值, rules §14) and the member card code (rules §2): which top-up rule
//! applies, how a payment from the account splits into principal (本金) and bonus (赠送),
//! what a refund gives back, what a payout takes, the points basis of a sale paid partly
//! with bonus money, and the card code's Luhn check digit. No IO: the account, the rules
//! and the random digits are inputs.

use crate::money::{round_half_up, with_two_places, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The smallest and largest top-up.
pub const MIN_TOP_UP: Money = Decimal::from_parts(1_000, 0, 0, false, 2);
pub const MAX_TOP_UP: Money = Decimal::from_parts(5_000_000, 0, 0, false, 2);

/// A member's account: principal (money paid in) and bonus (given by the store), each never
/// negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Account {
    pub principal: Money,
    pub bonus: Money,
}

impl Account {
    pub fn total(&self) -> Money {
        self.principal + self.bonus
    }
}

/// An amount in its two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    pub principal: Money,
    pub bonus: Money,
}

impl Parts {
    pub fn total(&self) -> Money {
        self.principal + self.bonus
    }
}

/// What a top-up rule gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopUpBonus {
    /// Bonus money into the account's bonus part.
    Money(Money),
    /// Points, as one lot.
    Points(i64),
    /// A coupon from the template with this key.
    Coupon(String),
}

/// "Top up at least `threshold`, get `bonus`", running from `from` to `until` (inclusive;
/// open ends run always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRule {
    pub threshold: Money,
    pub bonus: TopUpBonus,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl TopUpRule {
    pub fn runs_on(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day <= u)
    }
}

/// The defaults of rules §14: 充500送50, 充1000送120, 充2000送300.
pub fn default_rules() -> Vec<TopUpRule> {
    [(500, 50), (1000, 120), (2000, 300)]
        .into_iter()
        .map(|(at, gift)| TopUpRule {
            threshold: with_two_places(Decimal::from(at)),
            bonus: TopUpBonus::Money(with_two_places(Decimal::from(gift))),
            from: None,
            until: None,
        })
        .collect()
}

/// Why a stored-value operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredValueError {
    #[error("充值金额须在 10.00 到 50,000.00 元之间（收到 {0}）")]
    TopUpOutOfRange(String),
    #[error("储值支付金额必须大于 0")]
    NothingTaken,
    #[error("储值余额不足：余额 {balance} 元，需要 {wanted} 元")]
    NotEnough { balance: String, wanted: String },
    #[error("储值支付不能超过应付金额 {0} 元")]
    MoreThanDue(String),
    #[error("退储值金额必须大于 0，且不超过本金 {0} 元")]
    PayoutOutOfRange(String),
    #[error("支付密码须为 6 位数字")]
    PinShape,
    #[error("充值规则的门槛须在 10.00 到 50,000.00 元之间")]
    RuleThreshold,
    #[error("赠送金额须大于 0 且不超过充值门槛")]
    RuleBonusMoney,
    #[error("赠送积分须在 1 到 100000 之间")]
    RuleBonusPoints,
    #[error("赠送优惠券须选一个券模板")]
    RuleBonusCoupon,
    #[error("充值规则的结束日期不能早于开始日期")]
    RuleDates,
}

/// A top-up amount within 10.00 … 50,000.00.
pub fn check_top_up(amount: Money) -> Result<Money, StoredValueError> {
    if amount < MIN_TOP_UP || amount > MAX_TOP_UP {
        return Err(StoredValueError::TopUpOutOfRange(crate::money::format(amount)));
    }
    Ok(with_two_places(amount))
}

/// A rule the manager may save: a threshold a top-up can reach, a bonus that is something
/// (money more than nothing and at most the threshold, 1–100,000 points, or a named coupon
/// template), and dates in order.
pub fn check_rule(rule: &TopUpRule) -> Result<(), StoredValueError> {
    if rule.threshold < MIN_TOP_UP || rule.threshold > MAX_TOP_UP || rule.threshold != round_half_up(rule.threshold) {
        return Err(StoredValueError::RuleThreshold);
    }
    match &rule.bonus {
        TopUpBonus::Money(m) if *m <= Decimal::ZERO || *m > rule.threshold || *m != round_half_up(*m) => {
            return Err(StoredValueError::RuleBonusMoney)
        }
        TopUpBonus::Points(p) if !(1..=100_000).contains(p) => return Err(StoredValueError::RuleBonusPoints),
        TopUpBonus::Coupon(key) if key.trim().is_empty() => return Err(StoredValueError::RuleBonusCoupon),
        _ => {}
    }
    if let (Some(from), Some(until)) = (rule.from, rule.until) {
        if until < from {
            return Err(StoredValueError::RuleDates);
        }
    }
    Ok(())
}

/// The rule a top-up of `amount` on `day` gets: the highest threshold reached among the
/// rules running that day, once (充500送50 gives a 1,200 top-up 50, not 100).
pub fn rule_for(amount: Money, day: NaiveDate, rules: &[TopUpRule]) -> Option<&TopUpRule> {
    rules.iter().filter(|r| r.runs_on(day) && amount >= r.threshold).max_by_key(|r| r.threshold)
}

/// The parts of `taken` paid from the account, in proportion to its principal : bonus at
/// that moment: bonus part = round(taken × bonus ÷ (principal + bonus), 2), the rest
/// principal. `due` is what the sale has left to pay after the coupon.
pub fn split_payment(account: Account, taken: Money, due: Money) -> Result<Parts, StoredValueError> {
    if taken <= Decimal::ZERO {
        return Err(StoredValueError::NothingTaken);
    }
    if taken > due {
        return Err(StoredValueError::MoreThanDue(crate::money::format(due)));
    }
    if taken > account.total() {
        return Err(StoredValueError::NotEnough {
            balance: crate::money::format(account.total()),
            wanted: crate::money::format(taken),
        });
    }
    let bonus = round_half_up(taken * account.bonus / account.total());
    Ok(Parts { principal: with_two_places(taken - bonus), bonus })
}

/// The amount a sale's points are earned on: `paid` minus the bonus part (bonus money earns
/// nothing).
pub fn points_basis(paid: Money, bonus_part: Money) -> Money {
    with_two_places(paid - bonus_part)
}

/// The points basis after refunds `refunded` of a sale that paid `paid`, `bonus_part` of it
/// bonus money: (paid − R) − round((paid − R) × bonus part ÷ paid, 2). The claw-back
/// (rules §4) compares the points of this basis with those the sale earned.
pub fn basis_after_refunds(paid: Money, bonus_part: Money, refunded: Money) -> Money {
    let kept = paid - refunded;
    if paid <= Decimal::ZERO || kept <= Decimal::ZERO {
        return with_two_places(Decimal::ZERO);
    }
    with_two_places(kept - round_half_up(kept * bonus_part / paid))
}

/// The points a refund claws back from a sale that earned `earned` on `paid`, `bonus_part`
/// of it bonus money, after earlier refunds `refunded_before` (rules §4 with §14): the
/// sale keeps the points of its basis after the refunds, and this refund takes the
/// increase of what is lost over what earlier refunds took. A sale without bonus money has
/// basis `paid − R`, the plain claw-back.
pub fn clawback_for_refund(
    earned: i64,
    paid: Money,
    bonus_part: Money,
    refunded_before: Money,
    refund: Money,
    multiplier: Decimal,
    settings: &crate::ProgramSettings,
) -> i64 {
    let lost = |refunded: Money| {
        let kept = crate::points::earned_points(basis_after_refunds(paid, bonus_part, refunded), multiplier, settings);
        (earned - kept).max(0)
    };
    (lost(refunded_before + refund) - lost(refunded_before)).max(0)
}

/// What a refund of `refund` gives back to the account, and how much is paid back another
/// way: back to stored value first, up to what the sale took (`taken`) less what earlier
/// refunds gave back (`returned`), in the parts the sale took (pro rata to the share
/// refunded: bonus = round(back × taken bonus ÷ taken, 2), never more bonus than it took).
pub fn refund_parts(taken: Parts, returned: Parts, refund: Money) -> (Parts, Money) {
    let left = Parts {
        principal: (taken.principal - returned.principal).max(Decimal::ZERO),
        bonus: (taken.bonus - returned.bonus).max(Decimal::ZERO),
    };
    let back = refund.min(left.total()).max(Decimal::ZERO);
    if back <= Decimal::ZERO || taken.total() <= Decimal::ZERO {
        return (Parts::default(), with_two_places(refund));
    }
    // The last refund gives back exactly what is left; the others in the sale's proportion.
    let bonus = if back == left.total() {
        left.bonus
    } else {
        round_half_up(back * taken.bonus / taken.total()).min(left.bonus).max(back - left.principal)
    };
    let parts = Parts { principal: with_two_places(back - bonus), bonus: with_two_places(bonus) };
    (parts, with_two_places(refund - back))
}

/// A payout (退储值) of `amount` of principal, or all of it (`None`): the bonus goes in the
/// same proportion as the principal paid out (paying out all principal removes all bonus).
pub fn payout(account: Account, amount: Option<Money>) -> Result<Parts, StoredValueError> {
    let principal = amount.unwrap_or(account.principal);
    if principal <= Decimal::ZERO || principal > account.principal {
        return Err(StoredValueError::PayoutOutOfRange(crate::money::format(account.principal)));
    }
    let bonus = if principal == account.principal {
        account.bonus
    } else {
        round_half_up(account.bonus * principal / account.principal).min(account.bonus)
    };
    Ok(Parts { principal: with_two_places(principal), bonus: with_two_places(bonus) })
}

/// A payment PIN: exactly 6 digits.
pub fn check_pin(pin: &str) -> Result<(), StoredValueError> {
    (pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit())).then_some(()).ok_or(StoredValueError::PinShape)
}

/// Wrong PIN tries that lock paying by stored value until the next store day.
pub const PIN_TRIES: u32 = 5;

/// The wrong tries that count on `store_date`: those counted on an earlier day are
/// forgotten (the lock lasts until the next store day).
pub fn pin_fails_today(fails: i64, failed_on: Option<NaiveDate>, store_date: NaiveDate) -> u32 {
    if failed_on == Some(store_date) {
        u32::try_from(fails.max(0)).unwrap_or(u32::MAX)
    } else {
        0
    }
}

/// Whether paying by stored value is locked on `store_date` after wrong PIN tries.
pub fn pin_locked(fails: i64, failed_on: Option<NaiveDate>, store_date: NaiveDate) -> bool {
    pin_fails_today(fails, failed_on, store_date) >= PIN_TRIES
}

/// How much of a sale the cashier asked to pay from stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvRequest {
    /// As much as the account covers of what is due.
    All,
    Amount(Money),
}

/// What a checkout takes from the account: `all` takes what is due up to the balance (none
/// when nothing is due); an amount must be within the balance and what is due.
pub fn amount_to_take(request: SvRequest, account: Account, due: Money) -> Result<Money, StoredValueError> {
    match request {
        SvRequest::All if due <= Decimal::ZERO => Ok(with_two_places(Decimal::ZERO)),
        SvRequest::All if account.total() <= Decimal::ZERO => Err(StoredValueError::NotEnough {
            balance: crate::money::format(account.total()),
            wanted: crate::money::format(due),
        }),
        SvRequest::All => Ok(with_two_places(due.min(account.total()))),
        SvRequest::Amount(taken) => split_payment(account, taken, due).map(|p| p.total()),
    }
}

/// The Luhn check digit of `digits` (each 0–9).
pub fn luhn_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A card code from 11 random digits (the caller draws them): the digits and their Luhn
/// check digit, 12 in all. Random, so not derived from the phone or the member number.
pub fn card_code(random: [u8; 11]) -> String {
    let digits: Vec<u8> = random.iter().map(|d| d % 10).collect();
    let check = luhn_digit(&digits);
    digits.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + d)).collect()
}

/// Whether `text` has the shape of a card code: 12 digits whose last is their Luhn check.
pub fn is_card_code(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 12
        && b.iter().all(u8::is_ascii_digit)
        && luhn_digit(&b[..11].iter().map(|c| c - b'0').collect::<Vec<_>>()) == b[11] - b'0'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        with_two_places(s.parse().unwrap())
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_highest_rule_reached_applies_once() {
        let only_500 =
            vec![TopUpRule { threshold: m("500"), bonus: TopUpBonus::Money(m("50")), from: None, until: None }];
        // 充500送50: a 1,200 top-up gets 50, not 100.
        assert_eq!(rule_for(m("1200"), d("2026-12-01"), &only_500).unwrap().bonus, TopUpBonus::Money(m("50")));
        let defaults = default_rules();
        assert_eq!(rule_for(m("1200"), d("2026-12-01"), &defaults).unwrap().bonus, TopUpBonus::Money(m("120")));
        assert_eq!(rule_for(m("2000"), d("2026-12-01"), &defaults).unwrap().bonus, TopUpBonus::Money(m("300")));
        assert_eq!(rule_for(m("499.99"), d("2026-12-01"), &defaults), None);
    }

    #[test]
    fn a_rule_runs_only_on_its_dates() {
        let december = TopUpRule {
            threshold: m("100"),
            bonus: TopUpBonus::Points(200),
            from: Some(d("2026-12-01")),
            until: Some(d("2026-12-31")),
        };
        let rules = [december];
        assert!(rule_for(m("100"), d("2026-11-30"), &rules).is_none());
        assert!(rule_for(m("100"), d("2026-12-31"), &rules).is_some());
        assert!(rule_for(m("100"), d("2027-01-01"), &rules).is_none());
    }

    #[test]
    fn top_ups_run_from_10_to_50000() {
        assert!(check_top_up(m("10")).is_ok());
        assert!(check_top_up(m("50000")).is_ok());
        assert!(matches!(check_top_up(m("9.99")), Err(StoredValueError::TopUpOutOfRange(_))));
        assert!(matches!(check_top_up(m("50000.01")), Err(StoredValueError::TopUpOutOfRange(_))));
    }

    #[test]
    fn paying_300_from_500_plus_50_takes_27_27_of_bonus() {
        // The checkout: 储值 ¥300.00 = 本金 ¥272.73 + 赠送 ¥27.27, other payment ¥99.99.
        let account = Account { principal: m("500"), bonus: m("50") };
        let parts = split_payment(account, m("300"), m("399.99")).unwrap();
        assert_eq!(parts, Parts { principal: m("272.73"), bonus: m("27.27") });
        // Points are earned on paid − bonus part: 399.99 − 27.27.
        assert_eq!(points_basis(m("399.99"), parts.bonus), m("372.72"));
    }

    #[test]
    fn a_payment_is_refused_beyond_the_balance_or_what_is_due() {
        let account = Account { principal: m("100"), bonus: m("10") };
        assert!(matches!(split_payment(account, m("110.01"), m("200")), Err(StoredValueError::NotEnough { .. })));
        assert!(matches!(split_payment(account, m("50"), m("40")), Err(StoredValueError::MoreThanDue(_))));
        assert_eq!(split_payment(account, m("0"), m("40")), Err(StoredValueError::NothingTaken));
    }

    #[test]
    fn a_refund_goes_back_to_stored_value_first_in_the_sales_parts() {
        // The sale took 272.73 + 27.27 of its 399.99; a refund of 100 gives back 100 to the
        // account (9.09 of it bonus: 100 × 27.27 ÷ 300), nothing another way.
        let taken = Parts { principal: m("272.73"), bonus: m("27.27") };
        let (back, other) = refund_parts(taken, Parts::default(), m("100"));
        assert_eq!((back, other), (Parts { principal: m("90.91"), bonus: m("9.09") }, m("0.00")));
        // Refunding the rest (299.99): 200 back to the account, exactly what is left, and
        // 99.99 another way.
        let (rest, other) = refund_parts(taken, back, m("299.99"));
        assert_eq!(rest, Parts { principal: m("181.82"), bonus: m("18.18") });
        assert_eq!(other, m("99.99"));
        assert_eq!(back.total() + rest.total(), taken.total());
    }

    #[test]
    fn the_claw_back_basis_leaves_out_the_bonus_share() {
        // Paid 399.99 with 27.27 bonus; after refunding 100: 299.99 − round(299.99 × 27.27 ÷ 399.99).
        assert_eq!(basis_after_refunds(m("399.99"), m("27.27"), m("100")), m("279.54"));
        assert_eq!(basis_after_refunds(m("399.99"), m("27.27"), m("0")), m("372.72"));
        assert_eq!(basis_after_refunds(m("399.99"), m("27.27"), m("399.99")), m("0.00"));
    }

    #[test]
    fn a_refund_claws_back_the_points_of_the_basis_it_removes() {
        let settings = crate::ProgramSettings::default();
        // 399.99 paid, 27.27 of it bonus money: 372 points earned on 372.72 (regular, ×1).
        let earned = crate::points::earned_points(points_basis(m("399.99"), m("27.27")), Decimal::ONE, &settings);
        assert_eq!(earned, 372);
        // Refund 100: the basis falls to 279.54, so the sale keeps 279 and gives back 93.
        let first = clawback_for_refund(earned, m("399.99"), m("27.27"), m("0"), m("100"), Decimal::ONE, &settings);
        assert_eq!(first, 93);
        // Refunding the rest takes the other 279: nothing is left of the sale's points.
        let rest = clawback_for_refund(earned, m("399.99"), m("27.27"), m("100"), m("299.99"), Decimal::ONE, &settings);
        assert_eq!(first + rest, earned);
        // Without bonus money it is the plain claw-back of rules §4.
        let plain = crate::points::clawback_for_refund(399, m("399.99"), m("0"), m("100"), Decimal::ONE, &settings);
        assert_eq!(clawback_for_refund(399, m("399.99"), m("0"), m("0"), m("100"), Decimal::ONE, &settings), plain);
    }

    #[test]
    fn all_takes_what_is_due_up_to_the_balance() {
        let account = Account { principal: m("500"), bonus: m("50") };
        assert_eq!(amount_to_take(SvRequest::All, account, m("399.99")), Ok(m("399.99")));
        assert_eq!(amount_to_take(SvRequest::All, account, m("600")), Ok(m("550")));
        assert_eq!(amount_to_take(SvRequest::All, account, m("0")), Ok(m("0")));
        assert!(matches!(
            amount_to_take(SvRequest::All, Account::default(), m("10")),
            Err(StoredValueError::NotEnough { .. })
        ));
        assert_eq!(amount_to_take(SvRequest::Amount(m("300")), account, m("399.99")), Ok(m("300")));
        assert!(amount_to_take(SvRequest::Amount(m("400")), account, m("399.99")).is_err());
    }

    #[test]
    fn five_wrong_pins_lock_until_the_next_store_day() {
        let today = d("2026-12-01");
        assert!(!pin_locked(4, Some(today), today));
        assert!(pin_locked(5, Some(today), today));
        assert!(!pin_locked(5, Some(d("2026-11-30")), today));
        assert_eq!(pin_fails_today(3, Some(d("2026-11-30")), today), 0);
    }

    #[test]
    fn a_rule_is_checked_before_it_is_saved() {
        let rule = |threshold: &str, bonus| TopUpRule { threshold: m(threshold), bonus, from: None, until: None };
        assert_eq!(check_rule(&rule("500", TopUpBonus::Money(m("50")))), Ok(()));
        assert_eq!(check_rule(&rule("5", TopUpBonus::Money(m("1")))), Err(StoredValueError::RuleThreshold));
        assert_eq!(check_rule(&rule("500", TopUpBonus::Money(m("0")))), Err(StoredValueError::RuleBonusMoney));
        assert_eq!(check_rule(&rule("500", TopUpBonus::Money(m("600")))), Err(StoredValueError::RuleBonusMoney));
        assert_eq!(check_rule(&rule("500", TopUpBonus::Points(0))), Err(StoredValueError::RuleBonusPoints));
        assert_eq!(check_rule(&rule("500", TopUpBonus::Coupon(" ".into()))), Err(StoredValueError::RuleBonusCoupon));
        let backwards = TopUpRule {
            from: Some(d("2026-12-31")),
            until: Some(d("2026-12-01")),
            ..rule("500", TopUpBonus::Points(500))
        };
        assert_eq!(check_rule(&backwards), Err(StoredValueError::RuleDates));
    }

    #[test]
    fn a_payout_takes_the_bonus_in_proportion() {
        let account = Account { principal: m("500"), bonus: m("50") };
        assert_eq!(payout(account, Some(m("200"))).unwrap(), Parts { principal: m("200"), bonus: m("20") });
        assert_eq!(payout(account, None).unwrap(), Parts { principal: m("500"), bonus: m("50") });
        assert!(payout(account, Some(m("500.01"))).is_err());
        assert!(payout(Account { principal: m("0"), bonus: m("30") }, None).is_err());
    }

    #[test]
    fn card_codes_carry_a_luhn_check_digit() {
        // 7992739871 is Luhn's textbook number: check digit 3.
        assert_eq!(luhn_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
        let code = card_code([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        assert_eq!(code.len(), 12);
        assert!(is_card_code(&code));
        let mut wrong = code.clone().into_bytes();
        wrong[11] = b'0' + (wrong[11] - b'0' + 1) % 10;
        assert!(!is_card_code(std::str::from_utf8(&wrong).unwrap()));
        assert!(!is_card_code("13800000001"), "a phone is no card code");
    }

    #[test]
    fn a_pin_is_six_digits() {
        assert!(check_pin("012345").is_ok());
        for bad in ["12345", "1234567", "12a456", ""] {
            assert_eq!(check_pin(bad), Err(StoredValueError::PinShape), "{bad}");
        }
    }

    fn money_up_to(fen: i64) -> impl Strategy<Value = Money> {
        (0..=fen).prop_map(crate::money::from_fen)
    }

    proptest! {
        #[test]
        fn a_payments_parts_add_up_and_stay_within_the_account(
            principal in money_up_to(5_000_000), bonus in money_up_to(1_000_000), share in 1u32..=1000
        ) {
            let account = Account { principal, bonus };
            prop_assume!(account.total() > Decimal::ZERO);
            let taken = round_half_up(account.total() * Decimal::from(share) / Decimal::from(1000)).max(m("0.01"));
            let parts = split_payment(account, taken, taken).unwrap();
            prop_assert_eq!(parts.total(), taken);
            prop_assert!(parts.principal >= Decimal::ZERO && parts.bonus >= Decimal::ZERO);
            prop_assert!(parts.principal <= principal && parts.bonus <= bonus);
        }

        #[test]
        fn refunds_never_give_back_more_than_the_sale_took(
            principal in money_up_to(100_000), bonus in money_up_to(100_000),
            refunds in proptest::collection::vec(money_up_to(100_000), 1..6)
        ) {
            let taken = Parts { principal, bonus };
            let mut returned = Parts::default();
            for refund in refunds {
                let (back, other) = refund_parts(taken, returned, refund);
                prop_assert_eq!(back.total() + other, refund);
                prop_assert!(back.principal >= Decimal::ZERO && back.bonus >= Decimal::ZERO && other >= Decimal::ZERO);
                returned = Parts { principal: returned.principal + back.principal, bonus: returned.bonus + back.bonus };
                prop_assert!(returned.principal <= taken.principal && returned.bonus <= taken.bonus);
            }
        }

        #[test]
        fn claw_backs_add_up_to_at_most_what_the_sale_earned(
            paid_fen in 1i64..=1_000_000, bonus_share in 0u32..=1000,
            refunds in proptest::collection::vec(1i64..=1_000_000, 1..6)
        ) {
            let settings = crate::ProgramSettings::default();
            let paid = crate::money::from_fen(paid_fen);
            let bonus = round_half_up(paid * Decimal::from(bonus_share) / Decimal::from(1000));
            let earned = crate::points::earned_points(points_basis(paid, bonus), Decimal::ONE, &settings);
            let (mut refunded, mut clawed) = (Decimal::ZERO, 0);
            for fen in refunds {
                let refund = crate::money::from_fen(fen).min(paid - refunded);
                if refund <= Decimal::ZERO {
                    break;
                }
                let c = clawback_for_refund(earned, paid, bonus, refunded, refund, Decimal::ONE, &settings);
                prop_assert!(c >= 0);
                clawed += c;
                refunded += refund;
            }
            prop_assert!(clawed <= earned);
            if refunded == paid {
                prop_assert_eq!(clawed, earned);
            }
        }

        #[test]
        fn a_payout_never_exceeds_the_principal_nor_leaves_bonus_negative(
            principal in money_up_to(5_000_000), bonus in money_up_to(1_000_000), fen in 1i64..=5_000_000
        ) {
            let account = Account { principal, bonus };
            match payout(account, Some(crate::money::from_fen(fen))) {
                Ok(parts) => {
                    prop_assert!(parts.principal <= principal);
                    prop_assert!(parts.bonus <= bonus && parts.bonus >= Decimal::ZERO);
                    if parts.principal == principal {
                        prop_assert_eq!(parts.bonus, bonus);
                    }
                }
                Err(_) => prop_assert!(crate::money::from_fen(fen) > principal || principal == Decimal::ZERO),
            }
        }
    }
}
