//! A clean member list (rules §2): which two members look like one person enrolled twice,
//! and what the member kept looks like after a merge. Moving the history itself (lots,
//! receipts, coupons, …) is the store's; the choices about the person are made here.

use crate::points::{take_first_expiring, LotBalance, LotTake, Tier};
use crate::{Birthday, Gender};
use serde::Serialize;

/// Why two members are suggested as one person enrolled twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same name and the same birthday.
    SameNameAndBirthday,
    /// The same name and mobile numbers that differ in one digit (a typo at enrolment).
    SameNameAndPhoneOneDigitApart,
}

impl DuplicateReason {
    pub fn label_zh(self) -> &'static str {
        match self {
            DuplicateReason::SameNameAndBirthday => "同名同生日",
            DuplicateReason::SameNameAndPhoneOneDigitApart => "同名，手机号只差一位",
        }
    }
}

/// What the suggestion compares of a member.
#[derive(Debug, Clone, Copy)]
pub struct DuplicateKey<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub birthday: Option<Birthday>,
}

fn same_birthday(a: &Birthday, b: &Birthday) -> bool {
    a.calendar == b.calendar
        && a.month == b.month
        && a.day == b.day
        && a.leap == b.leap
        && (a.year.is_none() || b.year.is_none() || a.year == b.year)
}

/// Mobile numbers of the same length that differ in exactly one digit.
pub fn one_digit_apart(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1
}

/// Whether two members look like one person enrolled twice, and why.
pub fn duplicate_reason(a: &DuplicateKey<'_>, b: &DuplicateKey<'_>) -> Option<DuplicateReason> {
    let (na, nb) = (a.name.trim(), b.name.trim());
    if na.is_empty() || na != nb {
        return None;
    }
    if let (Some(x), Some(y)) = (&a.birthday, &b.birthday) {
        if same_birthday(x, y) {
            return Some(DuplicateReason::SameNameAndBirthday);
        }
    }
    match (a.phone, b.phone) {
        (Some(x), Some(y)) if one_digit_apart(x, y) => Some(DuplicateReason::SameNameAndPhoneOneDigitApart),
        _ => None,
    }
}

/// The person-facts of a member that a merge combines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeProfile {
    pub gender: Gender,
    pub birthday: Option<Birthday>,
    pub notes: String,
    pub vip: bool,
    pub contact_ok: bool,
    pub tier: Tier,
}

/// The member kept after a merge: their own name, phone and number stay; a gender or
/// birthday they lack comes from the other record; both care notes are kept (the other's
/// after a line); VIP if either was; contactable only if both agreed (a withdrawn consent
/// stands); the higher tier until the next monthly run evaluates the combined history.
pub fn merged_profile(kept: &MergeProfile, merged: &MergeProfile) -> MergeProfile {
    let notes = match (kept.notes.trim(), merged.notes.trim()) {
        (k, "") => k.to_string(),
        ("", m) => m.to_string(),
        (k, m) if k.contains(m) => k.to_string(),
        (k, m) => format!("{k}\n{m}"),
    };
    MergeProfile {
        gender: if kept.gender == Gender::Unknown { merged.gender } else { kept.gender },
        birthday: kept.birthday.or(merged.birthday),
        notes,
        vip: kept.vip || merged.vip,
        contact_ok: kept.contact_ok && merged.contact_ok,
        tier: kept.tier.max(merged.tier),
    }
}

/// After a merge the lots of both records are the kept member's, and so is the sum of both
/// balances. One record's debt (a negative balance) is repaid from the other's lots,
/// first-expiring first, so that the lots again hold exactly the balance (none when it stays
/// negative). The ledger already carries both records' entries: no entry is written.
pub fn lots_to_settle(lots: &[LotBalance], combined_balance: i64) -> Vec<LotTake> {
    let held: i64 = lots.iter().map(|l| l.remaining.max(0)).sum();
    let excess = held - combined_balance.max(0);
    if excess <= 0 {
        return Vec::new();
    }
    take_first_expiring(lots, excess).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Calendar;

    fn bd(year: Option<i32>, month: u32, day: u32) -> Option<Birthday> {
        Some(Birthday { calendar: Calendar::Solar, year, month, day, leap: false })
    }

    #[test]
    fn the_same_name_with_the_same_birthday_or_a_phone_one_digit_off_is_suggested() {
        let a = DuplicateKey { name: "张丽", phone: Some("13800138000"), birthday: bd(Some(1990), 3, 8) };
        let same_day = DuplicateKey { name: "张丽", phone: Some("13912345678"), birthday: bd(None, 3, 8) };
        assert_eq!(duplicate_reason(&a, &same_day), Some(DuplicateReason::SameNameAndBirthday));
        let typo = DuplicateKey { name: "张丽", phone: Some("13800138009"), birthday: None };
        assert_eq!(duplicate_reason(&a, &typo), Some(DuplicateReason::SameNameAndPhoneOneDigitApart));
        let two_off = DuplicateKey { name: "张丽", phone: Some("13800138099"), birthday: None };
        assert_eq!(duplicate_reason(&a, &two_off), None, "two digits apart is another person");
        let other_year = DuplicateKey { name: "张丽", phone: None, birthday: bd(Some(1991), 3, 8) };
        assert_eq!(duplicate_reason(&a, &other_year), None);
        let other_name = DuplicateKey { name: "张莉", phone: Some("13800138009"), birthday: bd(Some(1990), 3, 8) };
        assert_eq!(duplicate_reason(&a, &other_name), None, "a different name is never suggested");
        let lunar = DuplicateKey {
            name: "张丽",
            phone: None,
            birthday: Some(Birthday { calendar: Calendar::Lunar, year: None, month: 3, day: 8, leap: false }),
        };
        assert_eq!(duplicate_reason(&a, &lunar), None, "lunar 3-8 is not solar 3-8");
    }

    #[test]
    fn one_records_debt_is_repaid_from_the_others_lots_first_expiring_first() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let lots = [
            LotBalance { lot_id: 1, remaining: 120, valid_until: d("2027-06-30") },
            LotBalance { lot_id: 2, remaining: 80, valid_until: d("2027-03-31") },
        ];
        // Kept −50, merged +200: 150 after the merge, so 50 leave the lot that expires first.
        assert_eq!(lots_to_settle(&lots, 150), [LotTake { lot_id: 2, points: 50 }]);
        // Kept −300: the combined −100 stays a debt and every lot is emptied.
        assert_eq!(
            lots_to_settle(&lots, -100),
            [LotTake { lot_id: 2, points: 80 }, LotTake { lot_id: 1, points: 120 }]
        );
        assert!(lots_to_settle(&lots, 200).is_empty(), "no debt, nothing to settle");
    }

    #[test]
    fn a_merge_keeps_both_notes_the_higher_tier_and_a_withdrawn_consent() {
        let kept = MergeProfile {
            gender: Gender::Unknown,
            birthday: None,
            notes: "喜欢绿茶".into(),
            vip: false,
            contact_ok: true,
            tier: Tier::Active,
        };
        let merged = MergeProfile {
            gender: Gender::Female,
            birthday: bd(None, 5, 1),
            notes: "对花粉过敏".into(),
            vip: true,
            contact_ok: false,
            tier: Tier::Core,
        };
        let p = merged_profile(&kept, &merged);
        assert_eq!(p.gender, Gender::Female);
        assert_eq!(p.birthday, bd(None, 5, 1));
        assert_eq!(p.notes, "喜欢绿茶\n对花粉过敏");
        assert!(p.vip && !p.contact_ok);
        assert_eq!(p.tier, Tier::Core);
        let same = merged_profile(&kept, &MergeProfile { notes: "喜欢绿茶".into(), ..merged.clone() });
        assert_eq!(same.notes, "喜欢绿茶", "the same note is not written twice");
        let male = merged_profile(&MergeProfile { gender: Gender::Male, ..kept.clone() }, &merged);
        assert_eq!(male.gender, Gender::Male, "the kept member's own gender stays");
    }
}
