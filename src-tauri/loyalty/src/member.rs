//! Members (rules §2): phone normalisation, names, the front-desk greeting, birthdays,
//! member numbers and referral codes.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    #[error("手机号“{0}”无效：应为 11 位中国大陆手机号（1 开头，第二位 3–9）")]
    InvalidPhone(String),
    #[error("姓名不能为空")]
    NameEmpty,
    #[error("姓名最多 40 个字（现有 {0} 个）")]
    NameTooLong(usize),
    #[error("姓名只能包含中文或英文字母（“{0}”不可用）")]
    NameInvalidChar(char),
    #[error("生日“{0}”无效")]
    InvalidBirthday(String),
    #[error("性别“{0}”无效：应为 F（女）、M（男）或留空")]
    InvalidGender(String),
    #[error("备注最多 {max} 字（现有 {0} 字）", max = NOTE_MAX_CHARS)]
    NoteTooLong(usize),
}

/// The longest note staff may write: care notes, call notes, interaction notes.
pub const NOTE_MAX_CHARS: usize = 500;

/// A note as kept: trimmed, at most [`NOTE_MAX_CHARS`] characters.
pub fn normalize_notes(text: &str) -> Result<String, MemberError> {
    let t = text.trim();
    let n = t.chars().count();
    if n > NOTE_MAX_CHARS {
        return Err(MemberError::NoteTooLong(n));
    }
    Ok(t.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "unknown")]
    Unknown,
}

impl Gender {
    /// Accepts F/M/女/男 (any case) and empty/unknown.
    pub fn parse(text: &str) -> Result<Gender, MemberError> {
        match text.trim() {
            "F" | "f" | "女" => Ok(Gender::Female),
            "M" | "m" | "男" => Ok(Gender::Male),
            "" | "unknown" | "U" | "u" | "未知" => Ok(Gender::Unknown),
            other => Err(MemberError::InvalidGender(other.to_string())),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Gender::Female => "F",
            Gender::Male => "M",
            Gender::Unknown => "unknown",
        }
    }
}

/// Normalises a mainland mobile number: spaces, dashes and a `+86`/`86` prefix removed,
/// then it must read `1[3-9]` followed by 9 digits.
pub fn normalize_phone(text: &str) -> Result<String, MemberError> {
    let mut digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '(' | ')')).collect();
    if let Some(rest) = digits.strip_prefix("+86") {
        digits = rest.to_string();
    } else if digits.len() == 13 && digits.starts_with("86") {
        digits = digits[2..].to_string();
    }
    let b = digits.as_bytes();
    let ok = b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(digits)
    } else {
        Err(MemberError::InvalidPhone(text.trim().to_string()))
    }
}

/// 138****5678: the phone as non-managers see it in lists and exports.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        phone.to_string()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Validates and tidies a member name: 1–40 characters, Chinese or Latin letters, with
/// spaces, the middle dot of transliterated names, apostrophes, dots and hyphens.
pub fn normalize_name(text: &str) -> Result<String, MemberError> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = name.chars().count();
    if count == 0 {
        return Err(MemberError::NameEmpty);
    }
    if count > 40 {
        return Err(MemberError::NameTooLong(count));
    }
    for c in name.chars() {
        let ok = is_cjk(c) || c.is_ascii_alphabetic() || matches!(c, ' ' | '·' | '•' | '.' | '-' | '\'');
        if !ok {
            return Err(MemberError::NameInvalidChar(c));
        }
    }
    Ok(name)
}

/// Two-character Chinese surnames (rules §2).
pub const COMPOUND_SURNAMES: [&str; 25] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "长孙", "宇文", "司徒", "夏侯",
    "端木", "独孤", "南宫", "西门", "百里", "呼延", "轩辕", "闻人", "澹台", "申屠", "万俟",
];

fn is_latin_name(name: &str) -> bool {
    !name.chars().any(is_cjk)
}

/// The surname as the greeting uses it: first character, or the first two for a
/// compound surname; for a Latin name, the last word.
pub fn surname(name: &str) -> String {
    if is_latin_name(name) {
        return name.split_whitespace().last().unwrap_or(name).to_string();
    }
    let two: String = name.chars().take(2).collect();
    if COMPOUND_SURNAMES.contains(&two.as_str()) {
        two
    } else {
        name.chars().take(1).collect()
    }
}

/// The front desk's greeting: 张女士 / 欧阳先生 / Ms. Smith; the full name when the
/// gender is unknown.
pub fn greeting(name: &str, gender: Gender) -> String {
    let latin = is_latin_name(name);
    match (gender, latin) {
        (Gender::Unknown, _) => name.to_string(),
        (Gender::Female, false) => format!("{}女士", surname(name)),
        (Gender::Male, false) => format!("{}先生", surname(name)),
        (Gender::Female, true) => format!("Ms. {}", surname(name)),
        (Gender::Male, true) => format!("Mr. {}", surname(name)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Calendar {
    Solar,
    Lunar,
}

impl Calendar {
    pub fn code(self) -> &'static str {
        match self {
            Calendar::Solar => "solar",
            Calendar::Lunar => "lunar",
        }
    }
}

/// A member's birthday: solar or lunar month/day, an optional year, and for lunar dates
/// whether it is in a leap month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Birthday {
    pub calendar: Calendar,
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
    pub leap: bool,
}

impl Birthday {
    /// Parses `YYYY-MM-DD` or `MM-DD` (also with `/`), solar or lunar.
    pub fn parse(text: &str, calendar: Calendar, leap: bool) -> Result<Birthday, MemberError> {
        let bad = || MemberError::InvalidBirthday(text.trim().to_string());
        let parts: Vec<&str> = text.trim().split(['-', '/']).collect();
        let nums: Vec<u32> = parts.iter().map(|p| p.parse::<u32>().map_err(|_| bad())).collect::<Result<_, _>>()?;
        let (year, month, day) = match nums.as_slice() {
            [y, m, d] if parts[0].len() == 4 => (Some(*y as i32), *m, *d),
            [m, d] => (None, *m, *d),
            _ => return Err(bad()),
        };
        let b = Birthday { calendar, year, month, day, leap: leap && calendar == Calendar::Lunar };
        b.validate().map_err(|_| bad())?;
        Ok(b)
    }

    pub fn validate(&self) -> Result<(), MemberError> {
        let bad = || MemberError::InvalidBirthday(self.to_string());
        if let Some(y) = self.year {
            if !(1900..=2100).contains(&y) {
                return Err(bad());
            }
        }
        match self.calendar {
            Calendar::Solar => {
                // A yearless Feb 29 is a real birthday; check against a leap year.
                let y = self.year.unwrap_or(2000);
                NaiveDate::from_ymd_opt(y, self.month, self.day).ok_or_else(bad)?;
            }
            Calendar::Lunar => {
                if !(1..=12).contains(&self.month) || !(1..=30).contains(&self.day) {
                    return Err(bad());
                }
            }
        }
        Ok(())
    }

    /// Whole years of age on `on`, where the birth year is known (solar birthdays only
    /// count exactly; a lunar birth year counts by the solar year).
    pub fn age_on(&self, on: NaiveDate) -> Option<i32> {
        let y = self.year?;
        let mut age = on.year() - y;
        if self.calendar == Calendar::Solar && (on.month(), on.day()) < (self.month, self.day) {
            age -= 1;
        }
        Some(age)
    }
}

impl std::fmt::Display for Birthday {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(y) = self.year {
            write!(f, "{y:04}-")?;
        }
        write!(f, "{:02}-{:02}", self.month, self.day)?;
        match (self.calendar, self.leap) {
            (Calendar::Solar, _) => Ok(()),
            (Calendar::Lunar, false) => write!(f, " (农历)"),
            (Calendar::Lunar, true) => write!(f, " (农历闰月)"),
        }
    }
}

/// `M000123`: the member number for the n-th member.
pub fn member_no(seq: i64) -> String {
    format!("M{seq:06}")
}

/// The alphabet of referral codes: no 0/O/1/I, so a code read aloud is never ambiguous.
pub const REFERRAL_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A 6-character referral code for member id `id` with a salt (`attempt`) for the rare
/// collision. A bijection of the id below 2^30, so codes of different members differ and
/// consecutive members do not get consecutive codes.
pub fn referral_code(id: i64, attempt: u32) -> String {
    const MASK: u64 = (1 << 30) - 1;
    let x = (id as u64).wrapping_add(u64::from(attempt) << 24);
    let mut v = (x.wrapping_mul(0x2545_F491) ^ 0x15A4_E35) & MASK;
    v = v.wrapping_mul(0x5851_F42D) & MASK;
    v ^= v >> 15;
    (0..6).map(|i| REFERRAL_ALPHABET[((v >> (5 * i)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(normalize_phone("+86 138-0013-8000").unwrap(), "13800138000");
        assert_eq!(normalize_phone("8613800138000").unwrap(), "13800138000");
        assert_eq!(normalize_phone(" 139 1234 5678 ").unwrap(), "13912345678");
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("12800138000").is_err(), "second digit must be 3-9");
        assert!(normalize_phone("1380013800a").is_err());
        assert!(normalize_phone("138001380001").is_err());
    }

    #[test]
    fn masks_phones() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn names_between_1_and_40_characters() {
        assert_eq!(normalize_name("  张三 ").unwrap(), "张三");
        assert_eq!(normalize_name("John   Smith").unwrap(), "John Smith");
        assert_eq!(normalize_name("阿卜杜·热合曼").unwrap(), "阿卜杜·热合曼");
        assert_eq!(normalize_name(""), Err(MemberError::NameEmpty));
        assert_eq!(normalize_name("   "), Err(MemberError::NameEmpty));
        let forty: String = "张".repeat(40);
        assert!(normalize_name(&forty).is_ok());
        assert_eq!(normalize_name(&"张".repeat(41)), Err(MemberError::NameTooLong(41)));
        assert_eq!(normalize_name("张3"), Err(MemberError::NameInvalidChar('3')));
    }

    #[test]
    fn greetings_follow_the_rule_book() {
        assert_eq!(greeting("张三", Gender::Female), "张女士");
        assert_eq!(greeting("张三", Gender::Male), "张先生");
        assert_eq!(greeting("欧阳娜娜", Gender::Female), "欧阳女士");
        assert_eq!(greeting("司马光", Gender::Male), "司马先生");
        assert_eq!(greeting("万俟卨", Gender::Male), "万俟先生");
        assert_eq!(greeting("欧小明", Gender::Male), "欧先生");
        assert_eq!(greeting("李四", Gender::Unknown), "李四");
        assert_eq!(greeting("Jane Smith", Gender::Female), "Ms. Smith");
        assert_eq!(greeting("John Smith", Gender::Male), "Mr. Smith");
        assert_eq!(greeting("John Smith", Gender::Unknown), "John Smith");
    }

    #[test]
    fn birthdays_parse_solar_and_lunar() {
        let b = Birthday::parse("1990-02-29", Calendar::Solar, false);
        assert!(b.is_err(), "1990 had no Feb 29");
        let b = Birthday::parse("02-29", Calendar::Solar, false).unwrap();
        assert_eq!((b.month, b.day, b.year), (2, 29, None));
        let b = Birthday::parse("1988-08-30", Calendar::Lunar, true).unwrap();
        assert!(b.leap);
        assert!(Birthday::parse("13-01", Calendar::Lunar, false).is_err());
        assert!(Birthday::parse("02-31", Calendar::Solar, false).is_err());
        assert!(Birthday::parse("soon", Calendar::Solar, false).is_err());
        let leap_ignored_for_solar = Birthday::parse("05-05", Calendar::Solar, true).unwrap();
        assert!(!leap_ignored_for_solar.leap);
    }

    #[test]
    fn age_counts_whole_years() {
        let b = Birthday::parse("1966-10-01", Calendar::Solar, false).unwrap();
        assert_eq!(b.age_on(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()), Some(59));
        assert_eq!(b.age_on(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()), Some(60));
    }

    #[test]
    fn member_numbers_and_referral_codes() {
        assert_eq!(member_no(123), "M000123");
        let codes: std::collections::HashSet<String> = (1..20_000).map(|i| referral_code(i, 0)).collect();
        assert_eq!(codes.len(), 19_999, "codes of different members differ");
        for c in codes.iter().take(100) {
            assert_eq!(c.len(), 6);
            assert!(!c.contains(['0', 'O', '1', 'I']));
        }
        assert_ne!(referral_code(7, 0), referral_code(7, 1));
    }
}
