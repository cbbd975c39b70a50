//! The store date (rules §1): it never moves backwards, and a jump of more than a month
//! forward needs a manager's confirmation (a wrong PC clock must not expire everybody's
//! points). A sale or refund is dated within the days the store has been open.

use chrono::{NaiveDate, NaiveDateTime};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreDateError {
    #[error("营业日期 {requested} 早于系统已到达的日期 {latest}，不能倒退（请检查电脑时钟）")]
    Backwards { latest: NaiveDate, requested: NaiveDate },
    #[error("营业日期将从 {latest} 跳到 {requested}（{days} 天），需要店长确认（请检查电脑时钟）")]
    JumpNeedsConfirmation { latest: NaiveDate, requested: NaiveDate, days: i64 },
    #[error("营业日期不能从 {latest} 一次跳到 {requested}（{days} 天，超过 {max} 天），请检查日期")]
    JumpTooFar { latest: NaiveDate, requested: NaiveDate, days: i64, max: i64 },
}

/// The farthest the store date may move forward at once, even when confirmed: a mistyped
/// year must not expire every lot and walk millions of days.
pub const MAX_JUMP_DAYS: i64 = 400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("日期“{0}”无效，应为 YYYY-MM-DD（四位年份）")]
pub struct DateFormError(pub String);

/// A date as staff and scripts type it: exactly `YYYY-MM-DD` with a four-digit year
/// (chrono alone would take `+20261-01-01`).
pub fn parse_date(text: &str) -> Result<NaiveDate, DateFormError> {
    let t = text.trim();
    let b = t.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(DateFormError(text.to_string()));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| DateFormError(text.to_string()))
}

/// Checks a move of the store date from the latest one reached. Returns the number of days
/// it moves forward (0 for the same day).
pub fn check_advance(
    latest: Option<NaiveDate>,
    requested: NaiveDate,
    confirmed: bool,
    max_unconfirmed_days: i64,
) -> Result<i64, StoreDateError> {
    let Some(latest) = latest else { return Ok(0) };
    let days = (requested - latest).num_days();
    if days < 0 {
        return Err(StoreDateError::Backwards { latest, requested });
    }
    if days > MAX_JUMP_DAYS {
        return Err(StoreDateError::JumpTooFar { latest, requested, days, max: MAX_JUMP_DAYS });
    }
    if days > max_unconfirmed_days && !confirmed {
        return Err(StoreDateError::JumpNeedsConfirmation { latest, requested, days });
    }
    Ok(days)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleTimeError {
    #[error("时间 {at} 晚于营业日期 {store_date}")]
    AfterStoreDate { at: NaiveDateTime, store_date: NaiveDate },
    #[error("时间 {} 早于开业日 {opening}；开业前的消费请用导入功能录入历史", .at.date())]
    BeforeOpening { at: NaiveDateTime, opening: NaiveDate },
}

/// The time of a sale or refund entered at the till: never after the store date, never
/// before the opening day (older sales come in by import, as history).
pub fn check_sale_time(
    at: NaiveDateTime,
    store_date: NaiveDate,
    opening: Option<NaiveDate>,
) -> Result<NaiveDateTime, SaleTimeError> {
    if at.date() > store_date {
        return Err(SaleTimeError::AfterStoreDate { at, store_date });
    }
    match opening {
        Some(opening) if at.date() < opening => Err(SaleTimeError::BeforeOpening { at, opening }),
        _ => Ok(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_is_dated_between_the_opening_day_and_the_store_date() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let (today, opening) = (d("2026-11-23"), Some(d("2026-11-01")));
        assert!(check_sale_time(at("2026-11-23 23:59"), today, opening).is_ok());
        assert!(check_sale_time(at("2026-11-01 00:00"), today, opening).is_ok());
        assert!(matches!(
            check_sale_time(at("2026-11-24 00:00"), today, opening),
            Err(SaleTimeError::AfterStoreDate { .. })
        ));
        let early = check_sale_time(at("2026-10-31 23:59"), today, opening).unwrap_err();
        assert_eq!(early.to_string(), "时间 2026-10-31 早于开业日 2026-11-01；开业前的消费请用导入功能录入历史");
        assert!(check_sale_time(at("2020-01-01 10:00"), today, None).is_ok(), "before the first opening");
    }

    #[test]
    fn a_store_date_has_a_four_digit_year_and_never_jumps_past_400_days() {
        assert_eq!(parse_date("2026-11-23").unwrap(), d("2026-11-23"));
        for bad in ["+20261-01-01", "20261-01-01", "2026-1-1", "2026/11/23", "2026-02-30", "", "26-11-23"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        let latest = Some(d("2026-11-23"));
        assert_eq!(check_advance(latest, d("2027-12-28"), true, 31), Ok(400));
        assert!(matches!(
            check_advance(latest, d("2027-12-29"), true, 31),
            Err(StoreDateError::JumpTooFar { days: 401, .. })
        ));
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn never_backwards_and_confirm_long_jumps() {
        assert_eq!(check_advance(None, d("2026-11-23"), false, 31), Ok(0));
        assert_eq!(check_advance(Some(d("2026-11-23")), d("2026-11-23"), false, 31), Ok(0));
        assert_eq!(check_advance(Some(d("2026-11-23")), d("2026-12-24"), false, 31), Ok(31));
        assert!(matches!(
            check_advance(Some(d("2026-11-23")), d("2026-11-22"), true, 31),
            Err(StoreDateError::Backwards { .. })
        ));
        assert!(matches!(
            check_advance(Some(d("2026-11-23")), d("2026-12-25"), false, 31),
            Err(StoreDateError::JumpNeedsConfirmation { days: 32, .. })
        ));
        assert_eq!(check_advance(Some(d("2026-11-23")), d("2026-12-25"), true, 31), Ok(32));
    }
}
