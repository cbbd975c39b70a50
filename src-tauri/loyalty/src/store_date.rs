//! The store date (rules §1): it never moves backwards, and a jump of more than a month
//! forward needs a manager's confirmation (a wrong PC clock must not expire everybody's
//! points).

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreDateError {
    #[error("营业日期 {requested} 早于系统已到达的日期 {latest}，不能倒退（请检查电脑时钟）")]
    Backwards { latest: NaiveDate, requested: NaiveDate },
    #[error("营业日期将从 {latest} 跳到 {requested}（{days} 天），需要店长确认（请检查电脑时钟）")]
    JumpNeedsConfirmation { latest: NaiveDate, requested: NaiveDate, days: i64 },
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
    if days > max_unconfirmed_days && !confirmed {
        return Err(StoreDateError::JumpNeedsConfirmation { latest, requested, days });
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

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
