//! Search keys of a member's name: pinyin initials (`zs`) and full pinyin (`zhangsan`),
//! computed when a member is saved so the front desk can find 张三 by typing either.
//! Surnames read differently from the common reading (曾 zeng, 单 shan …) come from an
//! override table.

use pinyin::ToPinyin;

/// Surname readings that differ from the character's most common reading.
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
    ("长孙", "zhangsun"),
    ("单于", "chanyu"),
    ("曾", "zeng"),
    ("单", "shan"),
    ("解", "xie"),
    ("仇", "qiu"),
    ("区", "ou"),
    ("朴", "piao"),
    ("查", "zha"),
    ("翟", "zhai"),
    ("覃", "qin"),
    ("乐", "yue"),
    ("盖", "ge"),
    ("缪", "miao"),
    ("繁", "po"),
    ("秘", "bi"),
    ("黑", "he"),
    ("重", "chong"),
    ("员", "yun"),
    ("召", "shao"),
    ("种", "chong"),
    ("折", "she"),
    ("隗", "wei"),
    ("句", "gou"),
    ("华", "hua"),
    ("任", "ren"),
    ("沈", "shen"),
    ("柏", "bai"),
    ("牟", "mou"),
    ("祭", "zhai"),
    ("宿", "su"),
    ("卜", "bu"),
    ("过", "guo"),
    ("藏", "zang"),
    ("能", "nai"),
    ("纪", "ji"),
    ("燕", "yan"),
    ("葛", "ge"),
];

/// Initials and full pinyin of a name, lower-case ASCII with no spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameKeys {
    pub initials: String,
    pub full: String,
}

/// Computes the search keys. Latin letters are kept as they are (lower-cased); a
/// Latin name's initials are the first letters of its words.
pub fn name_keys(name: &str) -> NameKeys {
    let mut initials = String::new();
    let mut full = String::new();
    let mut rest = name;
    if let Some((surname, reading)) = SURNAME_READINGS.iter().find(|(s, _)| name.starts_with(*s)) {
        let syllables = surname.chars().count();
        // Two-character surnames: one initial per syllable.
        if syllables == 2 {
            let (a, b) = split_compound_reading(surname, reading);
            initials.push_str(&a[..1]);
            initials.push_str(&b[..1]);
        } else {
            initials.push_str(&reading[..1]);
        }
        full.push_str(reading);
        rest = &name[surname.len()..];
    }
    let mut in_latin_word = false;
    for c in rest.chars() {
        if c.is_ascii_alphabetic() {
            let l = c.to_ascii_lowercase();
            if !in_latin_word {
                initials.push(l);
            }
            full.push(l);
            in_latin_word = true;
            continue;
        }
        in_latin_word = false;
        if let Some(p) = c.to_pinyin() {
            initials.push_str(p.first_letter());
            full.push_str(p.plain());
        }
    }
    NameKeys { initials, full }
}

/// The readings of each character of a two-character surname, by the pinyin crate's
/// reading of the first character (all the override entries start with it).
fn split_compound_reading<'a>(surname: &str, reading: &'a str) -> (&'a str, &'a str) {
    let first = surname.chars().next().and_then(|c| c.to_pinyin()).map(|p| p.plain().len());
    let cut = match (surname, first) {
        ("尉迟", _) => 2,
        ("万俟", _) => 2,
        ("长孙", _) => 5,
        ("单于", _) => 4,
        (_, Some(n)) => n,
        _ => 1,
    };
    reading.split_at(cut.min(reading.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(name: &str) -> (String, String) {
        let k = name_keys(name);
        (k.initials, k.full)
    }

    #[test]
    fn common_names() {
        assert_eq!(keys("张三"), ("zs".into(), "zhangsan".into()));
        assert_eq!(keys("李小龙"), ("lxl".into(), "lixiaolong".into()));
        assert_eq!(keys("欧阳娜娜"), ("oynn".into(), "ouyangnana".into()));
    }

    #[test]
    fn surnames_with_their_own_reading() {
        assert_eq!(keys("曾小贤"), ("zxx".into(), "zengxiaoxian".into()));
        assert_eq!(keys("单田芳").0, "stf");
        assert_eq!(keys("解缙").1, "xiejin");
        assert_eq!(keys("仇英").1, "qiuying");
        assert_eq!(keys("区志明").1, "ouzhiming");
        assert_eq!(keys("朴树").1, "pioashu".replace("pioa", "piao"));
        assert_eq!(keys("查良镛").1, "zhaliangyong");
        assert_eq!(keys("翟天临").1, "zhaitianlin");
        assert_eq!(keys("覃海洋").1, "qinhaiyang");
        assert_eq!(keys("尉迟恭"), ("ycg".into(), "yuchigong".into()));
        assert_eq!(keys("万俟卨").0, "mqx");
    }

    #[test]
    fn latin_names() {
        assert_eq!(keys("John Smith"), ("js".into(), "johnsmith".into()));
    }
}
