//! The contact list's rules (rules §9): which birthdays and holidays fall on a day, the
//! reasons of an entry, its channel (call or SMS) and the order of the list.

use crate::lunar::{resolve, to_lunar};
use crate::member::{Birthday, Calendar, Gender};
use crate::money::Money;
use crate::points::Tier;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// How many days ahead birthdays and holidays are greeted (seed practice: two).
pub const GREET_DAYS_AHEAD: u64 = 2;

/// Whether a birthday falls on `day` (solar: Feb 29 falls on Feb 28 in common years;
/// lunar: this lunar year's date, with the fallbacks of [`crate::lunar::resolve`]).
pub fn birthday_falls_on(b: &Birthday, day: NaiveDate) -> bool {
    match b.calendar {
        Calendar::Solar => {
            let (m, d) = (day.month(), day.day());
            (b.month, b.day) == (m, d)
                || (b.month == 2 && b.day == 29 && m == 2 && d == 28 && !is_leap_year(day.year()))
        }
        Calendar::Lunar => {
            let year = to_lunar(day).year;
            resolve(year, b.month as u8, b.day as u8, b.leap) == Some(day)
        }
    }
}

fn is_leap_year(y: i32) -> bool {
    NaiveDate::from_ymd_opt(y, 2, 29).is_some()
}

/// The solar (month, day) keys of birthdays that fall on `day`.
pub fn solar_birthday_keys(day: NaiveDate) -> Vec<(u32, u32)> {
    let mut keys = vec![(day.month(), day.day())];
    if day.month() == 2 && day.day() == 28 && !is_leap_year(day.year()) {
        keys.push((2, 29));
    }
    keys
}

/// The lunar (month, day, leap) keys of birthdays that fall on `day`.
pub fn lunar_birthday_keys(day: NaiveDate) -> Vec<(u32, u32, bool)> {
    let l = to_lunar(day);
    let mut candidates = vec![(l.month, l.day, l.leap), (l.month, l.day, !l.leap)];
    if l.day == 29 {
        candidates.push((l.month, 30, l.leap));
        candidates.push((l.month, 30, !l.leap));
    }
    candidates
        .into_iter()
        .filter(|(m, d, leap)| resolve(l.year, *m, *d, *leap) == Some(day))
        .map(|(m, d, leap)| (u32::from(m), u32::from(d), leap))
        .collect()
}

/// Who a holiday greets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    All,
    Women,
    /// Members aged 60 or more on the day, where the birth year is known.
    Seniors,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub name: String,
    pub calendar: Calendar,
    pub month: u32,
    pub day: u32,
    pub audience: Audience,
}

/// Whether the holiday falls on `day`.
pub fn holiday_falls_on(h: &Holiday, day: NaiveDate) -> bool {
    match h.calendar {
        Calendar::Solar => (h.month, h.day) == (day.month(), day.day()),
        Calendar::Lunar => resolve(to_lunar(day).year, h.month as u8, h.day as u8, false) == Some(day),
    }
}

/// Whether a member is greeted for a holiday on `day`.
pub fn holiday_greets(h: &Holiday, gender: Gender, birthday: Option<&Birthday>, day: NaiveDate) -> bool {
    match h.audience {
        Audience::All => true,
        Audience::Women => gender == Gender::Female,
        Audience::Seniors => birthday.and_then(|b| b.age_on(day)).is_some_and(|age| age >= 60),
    }
}

/// Whether a sale gets a follow-up call three days later (rules §9): it paid at least
/// `min_paid` or was the member's first sale, and refunds dated by the list's day did not
/// take all of it back.
pub fn follow_up_due(paid: Money, refunded: Money, first: bool, min_paid: Money) -> bool {
    refunded < paid && (paid >= min_paid || first)
}

/// Why a member is on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContactReason {
    Birthday {
        date: NaiveDate,
        lunar: bool,
    },
    Holiday {
        name: String,
        date: NaiveDate,
    },
    FollowUp {
        receipt: String,
        date: NaiveDate,
        paid: String,
        first: bool,
    },
    Lapsed {
        last_visit: NaiveDate,
        /// The days without a visit that made it a recall (the setting; lists made before
        /// it was kept read as the default 90).
        #[serde(default = "default_lapsed_days")]
        days: u64,
    },
    PointsExpiring {
        points: i64,
        date: NaiveDate,
    },
    TierChange {
        from: Tier,
        to: Tier,
    },
}

impl ContactReason {
    pub fn kind(&self) -> &'static str {
        match self {
            ContactReason::Birthday { .. } => "birthday",
            ContactReason::Holiday { .. } => "holiday",
            ContactReason::FollowUp { .. } => "follow_up",
            ContactReason::Lapsed { .. } => "lapsed",
            ContactReason::PointsExpiring { .. } => "points_expiring",
            ContactReason::TierChange { .. } => "tier_change",
        }
    }

    /// What staff read: which holiday, how many points expire when, which receipt.
    pub fn detail(&self) -> String {
        match self {
            ContactReason::Birthday { date, lunar } => {
                format!("{} {}", if *lunar { "农历生日，公历" } else { "公历" }, date.format("%m-%d"))
            }
            ContactReason::Holiday { name, date } => format!("{name}（{}）", date.format("%m-%d")),
            ContactReason::FollowUp { receipt, date, paid, first } => {
                format!("{date} 小票 {receipt} 消费 ¥{paid}{}", if *first { "（首次消费）" } else { "" })
            }
            ContactReason::Lapsed { last_visit, days } => format!("最后一次消费 {last_visit}，已 {days} 天未到店"),
            ContactReason::PointsExpiring { points, date } => format!("{points} 积分将于 {date} 到期"),
            ContactReason::TierChange { from, to } => {
                format!("等级由{}会员调整为{}会员", from.label_zh(), to.label_zh())
            }
        }
    }
}

fn default_lapsed_days() -> u64 {
    90
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Call,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Sms => "sms",
        }
    }
}

/// A phone call, except an entry whose only reason is a holiday for a Regular or Active
/// member who is not VIP: that goes on the SMS list.
pub fn channel(reasons: &[ContactReason], tier: Tier, vip: bool) -> Channel {
    let only_holidays = !reasons.is_empty() && reasons.iter().all(|r| matches!(r, ContactReason::Holiday { .. }));
    if only_holidays && matches!(tier, Tier::Regular | Tier::Active) && !vip {
        Channel::Sms
    } else {
        Channel::Call
    }
}

/// The list's order: Loyal, Core, Active, Regular; VIP first; then member number.
pub fn order_key(tier: Tier, vip: bool, member_no: &str) -> (std::cmp::Reverse<Tier>, bool, String) {
    (std::cmp::Reverse(tier), !vip, member_no.to_string())
}

/// What customer service does with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    Done,
    NoAnswer,
    Rescheduled,
    DoNotCall,
}

/// At most this many unanswered calls; then the entry is given up.
pub const MAX_ATTEMPTS: i64 = 3;

/// An entry's state after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptResult {
    /// pending / no_answer / rescheduled stay on the list; done / do_not_call / gave_up end it.
    pub status: &'static str,
    pub due: NaiveDate,
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    #[error("这条联系事项已经处理完毕")]
    Finished,
    #[error("改约日期须晚于今天")]
    RescheduleNotLater,
}

/// Working an entry (rules §9): done; no answer comes back the next day, the third gives it
/// up; a reschedule goes to a later date; do-not-call ends it (and withdraws consent).
pub fn attempt(
    status: &str,
    attempts: i64,
    due: NaiveDate,
    outcome: ContactOutcome,
    today: NaiveDate,
    reschedule_to: Option<NaiveDate>,
) -> Result<AttemptResult, AttemptError> {
    if !matches!(status, "pending" | "no_answer" | "rescheduled") {
        return Err(AttemptError::Finished);
    }
    let attempts = attempts + 1;
    let (status, due) = match outcome {
        ContactOutcome::Done => ("done", due),
        ContactOutcome::NoAnswer if attempts >= MAX_ATTEMPTS => ("gave_up", due),
        ContactOutcome::NoAnswer => ("no_answer", today + chrono::Days::new(1)),
        // "Call again later" without a day means tomorrow.
        ContactOutcome::Rescheduled => (
            "rescheduled",
            Some(reschedule_to.unwrap_or(today + chrono::Days::new(1)))
                .filter(|d| *d > today)
                .ok_or(AttemptError::RescheduleNotLater)?,
        ),
        ContactOutcome::DoNotCall => ("do_not_call", due),
    };
    Ok(AttemptResult { status, due, attempts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_for_300_and_more_or_a_first_sale_unless_all_refunded() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        let min = m("300.00");
        assert!(follow_up_due(m("300.00"), m("0"), false, min));
        assert!(!follow_up_due(m("299.99"), m("0"), false, min));
        assert!(follow_up_due(m("50.00"), m("0"), true, min), "the first sale, however small");
        assert!(follow_up_due(m("800.00"), m("799.99"), false, min), "partly refunded");
        assert!(!follow_up_due(m("800.00"), m("800.00"), false, min), "fully refunded");
        assert!(!follow_up_due(m("0"), m("0"), true, min), "nothing paid, nothing to follow up");
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn solar(m: u32, day: u32) -> Birthday {
        Birthday { calendar: Calendar::Solar, year: None, month: m, day, leap: false }
    }

    #[test]
    fn feb_29_birthdays_fall_on_feb_28_in_common_years() {
        assert!(birthday_falls_on(&solar(2, 29), d("2027-02-28")));
        assert!(!birthday_falls_on(&solar(2, 29), d("2028-02-28")));
        assert!(birthday_falls_on(&solar(2, 29), d("2028-02-29")));
        assert_eq!(solar_birthday_keys(d("2027-02-28")), vec![(2, 28), (2, 29)]);
        assert_eq!(solar_birthday_keys(d("2028-02-28")), vec![(2, 28)]);
    }

    #[test]
    fn lunar_birthdays_this_lunar_year_with_fallbacks() {
        let lunar = |m, day, leap| Birthday { calendar: Calendar::Lunar, year: Some(1980), month: m, day, leap };
        // Lunar 8/15 of 2026 is 2026-09-25.
        assert!(birthday_falls_on(&lunar(8, 15, false), d("2026-09-25")));
        // Lunar 2/30 in 2026 (a 29-day month) falls on 2/29.
        let day29 = crate::lunar::from_lunar(2026, 2, 29, false).unwrap();
        assert!(birthday_falls_on(&lunar(2, 30, false), day29));
        assert!(lunar_birthday_keys(day29).contains(&(2, 30, false)));
        // A leap-6th-month birthday in 2026, which has no leap 6th month: the regular 6th.
        let regular = crate::lunar::from_lunar(2026, 6, 10, false).unwrap();
        assert!(birthday_falls_on(&lunar(6, 10, true), regular));
        assert!(lunar_birthday_keys(regular).contains(&(6, 10, true)));
        // In 2025, which has one, it falls in the leap month, not the regular one.
        let leap_2025 = crate::lunar::from_lunar(2025, 6, 10, true).unwrap();
        assert!(birthday_falls_on(&lunar(6, 10, true), leap_2025));
        assert!(!birthday_falls_on(&lunar(6, 10, true), crate::lunar::from_lunar(2025, 6, 10, false).unwrap()));
    }

    #[test]
    fn womens_day_and_double_ninth_have_their_audience() {
        let womens =
            Holiday {
                name: "妇女节".into(), calendar: Calendar::Solar, month: 3, day: 8, audience: Audience::Women
            };
        assert!(holiday_greets(&womens, Gender::Female, None, d("2027-03-08")));
        assert!(!holiday_greets(&womens, Gender::Male, None, d("2027-03-08")));
        let chongyang =
            Holiday { name: "重阳".into(), calendar: Calendar::Lunar, month: 9, day: 9, audience: Audience::Seniors };
        assert!(holiday_falls_on(&chongyang, d("2026-10-18")));
        let born = |y| Birthday { calendar: Calendar::Solar, year: Some(y), month: 1, day: 1, leap: false };
        assert!(holiday_greets(&chongyang, Gender::Male, Some(&born(1966)), d("2026-10-18")));
        assert!(!holiday_greets(&chongyang, Gender::Male, Some(&born(1967)), d("2026-10-18")));
        assert!(!holiday_greets(&chongyang, Gender::Male, Some(&solar(1, 1)), d("2026-10-18")), "no birth year");
        assert!(!holiday_greets(&chongyang, Gender::Male, None, d("2026-10-18")));
    }

    #[test]
    fn holidays_alone_go_by_sms_for_regular_and_active_non_vip() {
        let h = vec![ContactReason::Holiday { name: "国庆".into(), date: d("2026-10-01") }];
        assert_eq!(channel(&h, Tier::Regular, false), Channel::Sms);
        assert_eq!(channel(&h, Tier::Active, false), Channel::Sms);
        assert_eq!(channel(&h, Tier::Active, true), Channel::Call);
        assert_eq!(channel(&h, Tier::Core, false), Channel::Call);
        let mut both = h.clone();
        both.push(ContactReason::Lapsed { last_visit: d("2026-07-03"), days: 90 });
        assert_eq!(channel(&both, Tier::Regular, false), Channel::Call);
    }

    #[test]
    fn unanswered_calls_come_back_the_next_day_three_times_at_most() {
        let today = d("2026-11-03");
        let r = attempt("pending", 0, today, ContactOutcome::NoAnswer, today, None).unwrap();
        assert_eq!((r.status, r.due, r.attempts), ("no_answer", d("2026-11-04"), 1));
        let r = attempt("no_answer", 2, today, ContactOutcome::NoAnswer, today, None).unwrap();
        assert_eq!((r.status, r.attempts), ("gave_up", 3));
        assert_eq!(attempt("gave_up", 3, today, ContactOutcome::Done, today, None), Err(AttemptError::Finished));
        assert_eq!(attempt("done", 1, today, ContactOutcome::NoAnswer, today, None), Err(AttemptError::Finished));
        assert_eq!(
            attempt("pending", 0, today, ContactOutcome::Rescheduled, today, Some(today)),
            Err(AttemptError::RescheduleNotLater)
        );
        let r = attempt("pending", 0, today, ContactOutcome::Rescheduled, today, Some(d("2026-11-08"))).unwrap();
        assert_eq!((r.status, r.due), ("rescheduled", d("2026-11-08")));
        let r = attempt("pending", 0, today, ContactOutcome::Rescheduled, today, None).unwrap();
        assert_eq!((r.status, r.due), ("rescheduled", d("2026-11-04")), "no day given: tomorrow");
    }

    #[test]
    fn the_order_is_tier_then_vip_then_member_number() {
        let mut rows = vec![
            (Tier::Regular, false, "M000001"),
            (Tier::Loyal, false, "M000009"),
            (Tier::Regular, true, "M000005"),
            (Tier::Core, false, "M000002"),
        ];
        rows.sort_by_key(|(t, v, n)| order_key(*t, *v, n));
        let nos: Vec<_> = rows.iter().map(|r| r.2).collect();
        assert_eq!(nos, ["M000009", "M000002", "M000005", "M000001"]);
    }
}
