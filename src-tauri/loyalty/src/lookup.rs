//! The front desk's lookup box (rules §2): what a typed or scanned query means, and how the
//! members found are ranked — exact matches first (full phone, last 4, member number,
//! whole name, whole initials or whole pinyin), then a name or pinyin that starts with the
//! query or a phone that starts with it, then the rest; ties by member number.

use crate::member::{member_no, normalize_phone};

/// What one query asks the store for. Digits may mean several things at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupQuery {
    Digits {
        /// 11 digits (with or without +86): a whole phone.
        phone: Option<String>,
        /// 4 digits: the last 4 of a phone (and a member number).
        last4: Option<String>,
        /// 5–10 digits: the start of a phone.
        phone_prefix: Option<String>,
        /// 1–9 digits: a member number (`123` → M000123).
        member_no: Option<String>,
        /// 12 digits with a valid check digit: a scanned member card.
        card_code: Option<String>,
    },
    /// `M123`, `m000123`.
    MemberNo(String),
    /// Latin letters: pinyin initials or full pinyin (lower case), or a Latin name.
    Latin(String),
    /// Anything else: a name or a piece of one.
    Name(String),
}

/// How a member was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Phone,
    PhonePrefix,
    Last4,
    MemberNo,
    CardCode,
    Pinyin,
    Name,
}

impl MatchKind {
    pub fn code(self) -> &'static str {
        match self {
            MatchKind::Phone | MatchKind::PhonePrefix => "phone",
            MatchKind::Last4 => "last4",
            MatchKind::MemberNo => "member_no",
            MatchKind::CardCode => "card_code",
            MatchKind::Pinyin => "pinyin",
            MatchKind::Name => "name",
        }
    }
}

/// The member number a text means: `M` (any case) and 1–9 digits (`m123` → `M000123`).
pub fn parse_member_no(text: &str) -> Option<String> {
    let digits = text.trim().strip_prefix(['M', 'm'])?;
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(member_no(digits.parse().ok()?))
}

/// Reads the lookup box. `None` for an empty query.
pub fn classify(query: &str) -> Option<LookupQuery> {
    let q = query.trim();
    if q.is_empty() {
        return None;
    }
    let compact: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(LookupQuery::Digits {
            phone: normalize_phone(digits).ok(),
            last4: (digits.len() == 4).then(|| digits.to_string()),
            phone_prefix: (5..=10).contains(&digits.len()).then(|| digits.to_string()),
            member_no: parse_member_no(&format!("M{digits}")),
            card_code: crate::stored_value::is_card_code(digits).then(|| digits.to_string()),
        });
    }
    if let Some(no) = parse_member_no(&compact) {
        return Some(LookupQuery::MemberNo(no));
    }
    if compact.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(LookupQuery::Latin(compact.to_ascii_lowercase()));
    }
    Some(LookupQuery::Name(q.to_string()))
}

/// The rank of a member found (0 first): `query` as typed, the member's name and its
/// pinyin keys.
pub fn rank(kind: MatchKind, query: &str, name: &str, initials: &str, full_pinyin: &str) -> u8 {
    let q = query.trim();
    match kind {
        MatchKind::Phone | MatchKind::Last4 | MatchKind::MemberNo | MatchKind::CardCode => 0,
        MatchKind::PhonePrefix => 1,
        MatchKind::Pinyin => {
            let key = q.to_ascii_lowercase();
            if initials == key || full_pinyin == key {
                0
            } else {
                1
            }
        }
        MatchKind::Name if name.eq_ignore_ascii_case(q) => 0,
        MatchKind::Name if name.starts_with(q) => 1,
        MatchKind::Name => 2,
    }
}

/// Whether a name query's exact matches, when they fill the limit, are the whole answer:
/// they all rank first, and the exact probe gives the earliest members (by member number)
/// of that name. A piece match ranks first only when it is the same name, ignoring ASCII
/// case, so a query without ASCII letters can gain nothing from the piece probe; one with
/// them (`Anna` typed for `ANNA`) can.
pub fn exact_name_settles(query: &str) -> bool {
    !query.trim().chars().any(|c| c.is_ascii_alphabetic())
}

/// Ranked hits in order: by rank, then member number; each member once (its best match);
/// at most `limit`.
pub fn best<T>(
    mut hits: Vec<(u8, T)>,
    limit: usize,
    member_no: impl Fn(&T) -> &str,
    id: impl Fn(&T) -> i64,
) -> Vec<(u8, T)> {
    hits.sort_by(|a, b| (a.0, member_no(&a.1)).cmp(&(b.0, member_no(&b.1))));
    let mut seen = std::collections::HashSet::new();
    hits.retain(|(_, m)| seen.insert(id(m)));
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_settle_a_query_only_without_latin_letters() {
        assert!(exact_name_settles("王芳"));
        assert!(exact_name_settles(" 欧阳 娜娜 "));
        assert!(!exact_name_settles("Anna王"));
        assert!(!exact_name_settles("王a"));
    }

    #[test]
    fn the_box_reads_phones_last_4_member_numbers_pinyin_and_names() {
        assert_eq!(
            classify("+86 138-1234-5678"),
            Some(LookupQuery::Digits {
                phone: Some("13812345678".into()),
                last4: None,
                phone_prefix: None,
                member_no: None,
                card_code: None
            })
        );
        assert_eq!(
            classify("5678"),
            Some(LookupQuery::Digits {
                phone: None,
                last4: Some("5678".into()),
                phone_prefix: None,
                member_no: Some("M005678".into()),
                card_code: None
            })
        );
        // A scanned card: 12 digits whose last is their Luhn check digit.
        let card = crate::stored_value::card_code([4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let Some(LookupQuery::Digits { card_code, phone, .. }) = classify(&card) else { panic!() };
        assert_eq!((card_code.as_deref(), phone), (Some(card.as_str()), None));
        let Some(LookupQuery::Digits { phone_prefix, member_no, .. }) = classify("13812") else { panic!() };
        assert_eq!((phone_prefix.as_deref(), member_no.as_deref()), (Some("13812"), Some("M013812")));
        assert_eq!(classify("m123"), Some(LookupQuery::MemberNo("M000123".into())));
        assert_eq!(classify("ZS"), Some(LookupQuery::Latin("zs".into())));
        assert_eq!(classify(" 张 "), Some(LookupQuery::Name("张".into())));
        assert_eq!(classify("   "), None);
    }

    #[test]
    fn exact_matches_first_then_starts_then_the_rest_by_member_number() {
        assert_eq!(rank(MatchKind::Pinyin, "zs", "张三", "zs", "zhangsan"), 0);
        assert_eq!(rank(MatchKind::Pinyin, "zhang", "张三", "zs", "zhangsan"), 1);
        assert_eq!(rank(MatchKind::Name, "张三", "张三", "", ""), 0);
        assert_eq!(rank(MatchKind::Name, "张", "张三", "", ""), 1);
        assert_eq!(rank(MatchKind::Name, "三", "张三", "", ""), 2);
        assert_eq!(rank(MatchKind::PhonePrefix, "13812", "", "", ""), 1);
        let hits = vec![(2, ("M000001", 1)), (0, ("M000009", 9)), (1, ("M000003", 3)), (0, ("M000001", 1))];
        let ordered = best(hits, 2, |m| m.0, |m| m.1);
        assert_eq!(ordered, vec![(0, ("M000001", 1)), (0, ("M000009", 9))]);
    }
}
