//! The Chinese lunisolar calendar (农历) through `icu_calendar`, which matches the official
//! tables for 1900–2100: converting dates, and where a lunar birthday or festival falls in
//! a given lunar year (day 30 in a 29-day month → day 29; a leap month the year does not
//! have → the regular month).

use chrono::{Datelike, NaiveDate};
use icu_calendar::cal::ChineseTraditional;
use icu_calendar::types::Month;
use icu_calendar::{Date, Iso};

/// A date in the lunar calendar; `year` is the Gregorian year in which that lunar year
/// begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub leap: bool,
    pub days_in_month: u8,
}

pub fn to_lunar(date: NaiveDate) -> LunarDate {
    let iso = Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8).expect("a valid date");
    let c = iso.to_calendar(ChineseTraditional::new());
    LunarDate {
        year: c.cyclic_year().related_iso,
        month: c.month().number(),
        day: c.day_of_month().0,
        leap: c.month().to_input().is_leap(),
        days_in_month: c.days_in_month(),
    }
}

/// The solar date of an exact lunar date, if that date exists.
pub fn from_lunar(year: i32, month: u8, day: u8, leap: bool) -> Option<NaiveDate> {
    let m = if leap { Month::leap(month) } else { Month::new(month) };
    let c = Date::try_new_chinese_traditional(year, m, day).ok()?;
    let iso = c.to_calendar(Iso);
    NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        u32::from(iso.month().number()),
        u32::from(iso.day_of_month().0),
    )
}

/// Where a lunar month/day (and leap flag) falls in lunar year `year`, with the fallbacks:
/// a leap month the year lacks → the regular month; day 30 of a 29-day month → day 29.
pub fn resolve(year: i32, month: u8, day: u8, leap: bool) -> Option<NaiveDate> {
    let leap = leap && from_lunar(year, month, 1, true).is_some();
    from_lunar(year, month, day, leap).or_else(|| (day == 30).then(|| from_lunar(year, month, 29, leap)).flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn festivals_of_2026_and_2027() {
        for (year, month, day, want) in [
            (2026, 1, 1, "2026-02-17"),
            (2026, 1, 15, "2026-03-03"),
            (2026, 5, 5, "2026-06-19"),
            (2026, 8, 15, "2026-09-25"),
            (2026, 9, 9, "2026-10-18"),
            (2027, 1, 1, "2027-02-06"),
            (2027, 1, 15, "2027-02-20"),
            (2027, 5, 5, "2027-06-09"),
            (2027, 8, 15, "2027-09-15"),
            (2027, 9, 9, "2027-10-08"),
        ] {
            assert_eq!(resolve(year, month, day, false), Some(d(want)), "{year}-{month}-{day}");
        }
    }

    #[test]
    fn converts_both_ways() {
        let l = to_lunar(d("2026-02-17"));
        assert_eq!((l.year, l.month, l.day, l.leap), (2026, 1, 1, false));
        // 2025 has a leap sixth month; 2025-07-25 is its first day.
        let l = to_lunar(d("2025-07-25"));
        assert_eq!((l.year, l.month, l.day, l.leap), (2025, 6, 1, true));
        assert_eq!(from_lunar(2025, 6, 1, true), Some(d("2025-07-25")));
    }

    #[test]
    fn day_30_in_a_29_day_month_falls_on_day_29() {
        // The second lunar month of 2026 has 29 days.
        assert_eq!(to_lunar(from_lunar(2026, 2, 29, false).unwrap()).days_in_month, 29);
        assert_eq!(from_lunar(2026, 2, 30, false), None);
        assert_eq!(resolve(2026, 2, 30, false), from_lunar(2026, 2, 29, false));
    }

    #[test]
    fn a_leap_month_the_year_lacks_falls_in_the_regular_month() {
        assert_eq!(from_lunar(2026, 6, 10, true), None);
        assert_eq!(resolve(2026, 6, 10, true), from_lunar(2026, 6, 10, false));
        assert_eq!(resolve(2025, 6, 10, true), from_lunar(2025, 6, 10, true), "2025 has it");
    }
}
