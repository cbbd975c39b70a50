//! Money: CNY amounts as `rust_decimal::Decimal` with at most 2 places (rules §1).
//! Amounts are parsed strictly (nothing is rounded silently) and stored as whole fen.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// An amount of money in yuan, always with scale 2.
pub type Money = Decimal;

/// The largest amount one receipt may carry.
pub const MAX_RECEIPT_AMOUNT: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 2);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("金额“{0}”不是数字")]
    NotANumber(String),
    #[error("金额必须大于 0")]
    NotPositive,
    #[error("金额最多两位小数")]
    TooManyDecimals,
    #[error("单张小票金额不能超过 1,000,000.00 元")]
    TooLarge,
}

/// Parses a receipt amount typed by staff or read from a file: digits with an optional
/// point and at most 2 decimals, above 0 and at most 1,000,000.00.
pub fn parse_amount(text: &str) -> Result<Money, AmountError> {
    let t = text.trim().trim_start_matches(['¥', '￥']).trim();
    let valid_chars = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
        && t.chars().filter(|c| *c == '.').count() <= 1;
    if !valid_chars {
        return Err(AmountError::NotANumber(text.trim().to_string()));
    }
    // Decided on the text, not the parsed value: a Decimal keeps 28 digits and would round
    // 199.9999999999999999999999999999 to 200.00. Trailing zeros are no precision (12.300).
    if let Some((_, decimals)) = t.split_once('.') {
        if decimals.trim_end_matches('0').len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
    }
    let value = Decimal::from_str(t).map_err(|_| AmountError::NotANumber(text.trim().to_string()))?;
    if value.normalize().scale() > 2 {
        return Err(AmountError::TooManyDecimals);
    }
    if value <= Decimal::ZERO {
        return Err(AmountError::NotPositive);
    }
    if value > MAX_RECEIPT_AMOUNT {
        return Err(AmountError::TooLarge);
    }
    Ok(with_two_places(value))
}

/// The same value written with exactly two places (12.5 → 12.50).
pub fn with_two_places(value: Decimal) -> Money {
    let mut v = value;
    v.rescale(2);
    v
}

/// Half-up rounding to 2 places, where a rule says so.
pub fn round_half_up(value: Decimal) -> Money {
    with_two_places(value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// Whole fen, as stored in the database (exact: amounts never have more than 2 places).
pub fn to_fen(value: Money) -> i64 {
    (with_two_places(value) * Decimal::ONE_HUNDRED).to_i64().expect("amounts are bounded far below i64")
}

pub fn from_fen(fen: i64) -> Money {
    Decimal::new(fen, 2)
}

/// "199.99": money as the interface writes it.
pub fn format(value: Money) -> String {
    with_two_places(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn more_than_two_decimals_is_refused_however_long_the_input() {
        assert_eq!(parse_amount("199.9999999999999999999999999999"), Err(AmountError::TooManyDecimals));
        assert_eq!(parse_amount("0.0000000000000000000000000000001"), Err(AmountError::TooManyDecimals));
        assert_eq!(parse_amount(&format!("1.{}", "0".repeat(40))).unwrap(), dec!(1.00));
        assert_eq!(parse_amount("12.300").unwrap(), dec!(12.30));
    }

    #[test]
    fn accepts_plain_amounts_with_two_places() {
        assert_eq!(parse_amount("199.99"), Ok(dec!(199.99)));
        assert_eq!(format(parse_amount(" 12.5 ").unwrap()), "12.50");
        assert_eq!(format(parse_amount("¥300").unwrap()), "300.00");
        assert_eq!(parse_amount("1000000.00"), Ok(dec!(1000000.00)));
    }

    #[test]
    fn refuses_the_bad_amounts_of_the_rule_book() {
        assert!(matches!(parse_amount("abc"), Err(AmountError::NotANumber(_))));
        assert_eq!(parse_amount("-5"), Err(AmountError::NotPositive));
        assert_eq!(parse_amount("0"), Err(AmountError::NotPositive));
        assert_eq!(parse_amount("0.00"), Err(AmountError::NotPositive));
        assert_eq!(parse_amount("12.345"), Err(AmountError::TooManyDecimals));
        assert_eq!(parse_amount("1000000.01"), Err(AmountError::TooLarge));
        assert!(matches!(parse_amount(""), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_amount("1e5"), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_amount("1.2.3"), Err(AmountError::NotANumber(_))));
    }

    #[test]
    fn trailing_zeros_are_not_extra_decimals() {
        assert_eq!(parse_amount("12.300"), Ok(dec!(12.30)));
    }

    #[test]
    fn fen_round_trip_is_exact() {
        assert_eq!(to_fen(dec!(199.99)), 19999);
        assert_eq!(from_fen(19999), dec!(199.99));
        assert_eq!(format(from_fen(5)), "0.05");
    }

    #[test]
    fn half_up_rounding() {
        assert_eq!(round_half_up(dec!(159.992)), dec!(159.99));
        assert_eq!(round_half_up(dec!(0.005)), dec!(0.01));
        assert_eq!(round_half_up(dec!(2.675)), dec!(2.68));
    }
}
