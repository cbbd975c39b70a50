//! Rules §2: enrolment, validation, the greeting, and the front desk's one-box lookup.

mod common;
use common::*;
use desk::members::MemberInput;
use desk::{Desk, ErrorCode};

fn input(name: &str, phone: &str) -> MemberInput {
    MemberInput { name: name.into(), phone: phone.into(), gender: "F".into(), ..Default::default() }
}

#[test]
fn enrolment_normalises_the_phone_and_assigns_number_and_code() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let c = desk.enroll(&ctx, &input("张三", "+86 138-0013-8000")).unwrap();
    assert_eq!(c.phone.as_deref(), Some("13800138000"));
    assert_eq!(c.member_no, "M000001");
    assert_eq!(c.referral_code.len(), 6);
    assert!(c.contact_ok, "consent is on by default");
    assert_eq!(c.joined_on, d("2026-11-23"));
    let c2 = desk.enroll(&ctx, &input("李四", "13900139000")).unwrap();
    assert_eq!(c2.member_no, "M000002");
    assert_ne!(c.referral_code, c2.referral_code);
}

#[test]
fn bad_members_are_refused_with_their_own_code_and_write_nothing() {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.enroll(&ctx, &input("张三", "13800138000")).unwrap();
    let cases = [
        (input("王五", "12345"), ErrorCode::InvalidPhone),
        (input("王五", "138 0013 8000"), ErrorCode::PhoneTaken),
        (input("", "13700137000"), ErrorCode::InvalidName),
        (input(&"王".repeat(41), "13700137000"), ErrorCode::InvalidName),
        (MemberInput { birthday: "1990-02-30".into(), ..input("王五", "13700137000") }, ErrorCode::InvalidBirthday),
        (MemberInput { gender: "X".into(), ..input("王五", "13700137000") }, ErrorCode::InvalidGender),
        (MemberInput { referrer: "ZZZZZZ".into(), ..input("王五", "13700137000") }, ErrorCode::ReferrerNotFound),
        (MemberInput { referrer: "13700137000".into(), ..input("王五", "13700137000") }, ErrorCode::InvalidInput),
    ];
    for (i, e) in cases {
        assert_eq!(desk.enroll(&ctx, &i).unwrap_err().code, e, "{:?}", i.name);
    }
    assert_eq!(count(&desk, "members"), 1);
}

#[test]
fn forty_character_names_are_fine() {
    let (mut desk, ctx) = store_on("2026-11-23");
    assert!(desk.enroll(&ctx, &input(&"王".repeat(40), "13700137000")).is_ok());
}

#[test]
fn lunar_birthdays_and_referrers_are_kept() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let a = desk.enroll(&ctx, &input("张三", "13800138000")).unwrap();
    let b = desk
        .enroll(
            &ctx,
            &MemberInput {
                birthday: "1988-04-30".into(),
                lunar: true,
                leap: true,
                referrer: a.referral_code.to_lowercase(),
                ..input("欧阳娜娜", "13900139000")
            },
        )
        .unwrap();
    assert_eq!(b.birthday.as_deref(), Some("1988-04-30"));
    assert_eq!(b.birthday_calendar.as_deref(), Some("lunar_leap"));
    assert_eq!(b.referred_by.as_deref(), Some(a.member_no.as_str()));
    assert_eq!(b.greeting, "欧阳女士");
}

#[test]
fn edits_keep_phones_unique_and_archive_hides_from_lookup() {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.enroll(&ctx, &input("张三", "13800138000")).unwrap();
    desk.enroll(&ctx, &input("李四", "13900139000")).unwrap();
    let e = desk.update_member(&ctx, "M000002", &input("李四", "13800138000")).unwrap_err();
    assert_eq!(e.code, ErrorCode::PhoneTaken);
    let c = desk
        .update_member(
            &ctx,
            "M000002",
            &MemberInput { notes: "喜欢绿茶".into(), contact_ok: Some(false), ..input("李思", "13900139001") },
        )
        .unwrap();
    assert_eq!((c.name.as_str(), c.notes.as_str(), c.contact_ok), ("李思", "喜欢绿茶", false));
    assert_eq!(desk.search(&ctx, "李思", 20).unwrap().len(), 1);
    desk.set_archived(&ctx, "M000002", true).unwrap();
    assert!(desk.search(&ctx, "李思", 20).unwrap().is_empty());
    assert!(desk.member_card(&ctx, "M000002").unwrap().archived, "the card is still there");
}

#[test]
fn lookup_finds_by_every_key_exact_first() {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.enroll(&ctx, &input("张三", "13800135678")).unwrap(); // M000001
    desk.enroll(&ctx, &input("张三丰", "13900001234")).unwrap(); // M000002
    desk.enroll(&ctx, &input("曾小贤", "13700005678")).unwrap(); // M000003
    desk.enroll(&ctx, &input("Jane Smith", "13600136000")).unwrap(); // M000004
    let nos = |q: &str| desk.search(&ctx, q, 20).unwrap().into_iter().map(|h| h.member_no).collect::<Vec<_>>();
    assert_eq!(nos("13800135678"), ["M000001"]);
    assert_eq!(nos("138 0013 5678"), ["M000001"]);
    assert_eq!(nos("5678"), ["M000001", "M000003"]);
    assert_eq!(nos("M000002"), ["M000002"]);
    assert_eq!(nos("m2"), ["M000002"]);
    assert_eq!(nos("张三"), ["M000001", "M000002"], "the exact name first");
    assert_eq!(nos("三丰"), ["M000002"]);
    assert_eq!(nos("zs"), ["M000001", "M000002"]);
    assert_eq!(nos("zhangsan"), ["M000001", "M000002"]);
    assert_eq!(nos("zsf"), ["M000002"]);
    assert_eq!(nos("zxx"), ["M000003"], "曾 reads zeng as a surname");
    assert_eq!(nos("zengxiaoxian"), ["M000003"]);
    assert_eq!(nos("smith"), ["M000004"]);
    assert_eq!(nos("王"), Vec::<String>::new());
    let hit = &desk.search(&ctx, "1234", 20).unwrap()[0];
    assert_eq!((hit.greeting.as_str(), hit.exact), ("张女士", true));
}

#[test]
fn a_piece_of_a_name_finds_exactly_the_names_that_hold_it() {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.enroll(&ctx, &input("欧阳秀英", "13800000001")).unwrap(); // M000001
    desk.enroll(&ctx, &input("欧阳秀兰", "13800000002")).unwrap(); // M000002
    desk.enroll(&ctx, &input("欧阳娜娜", "13800000003")).unwrap(); // M000003
    desk.enroll(&ctx, &input("王秀英", "13800000004")).unwrap(); // M000004
    desk.enroll(&ctx, &input("Jane Smith", "13800000005")).unwrap(); // M000005
    let nos = |q: &str| desk.search(&ctx, q, 20).unwrap().into_iter().map(|h| h.member_no).collect::<Vec<_>>();
    assert_eq!(nos("欧阳秀英"), ["M000001"]);
    assert_eq!(nos("阳秀英"), ["M000001"]);
    assert_eq!(nos("欧阳秀"), ["M000001", "M000002"]);
    assert_eq!(nos("秀英"), ["M000001", "M000004"]);
    assert_eq!(nos("欧阳"), ["M000001", "M000002", "M000003"]);
    assert_eq!(nos("Jane Smith"), ["M000005"], "a name with a space, whole");
    assert_eq!(nos("ne sm"), ["M000005"]);
    assert_eq!(nos("smit"), ["M000005"]);
    assert_eq!(nos("欧阳秀英子"), Vec::<String>::new(), "longer than any name");
}

#[test]
fn a_store_from_before_the_longer_pieces_finds_them_after_opening() {
    // A store at schema 15 kept the 1- and 2-character pieces only: opening it with this
    // build adds the 3- and 4-character ones (migration 16) for the members already in.
    let (location, _dir) = fresh_location();
    {
        let mut desk = Desk::open_location(&location).unwrap();
        let ctx = day(&mut desk, "2026-11-23");
        desk.enroll(&ctx, &input("欧阳秀英", "13800000001")).unwrap();
        desk.enroll(&ctx, &input("Jane Smith", "13800000002")).unwrap();
        let back = match desk.conn().engine() {
            store::Engine::Sqlite => "PRAGMA user_version = 15",
            store::Engine::Postgres => "DELETE FROM schema_migrations WHERE version >= 16",
        };
        desk.conn().execute_batch(&format!("DELETE FROM member_name_grams WHERE length(gram) > 2; {back};")).unwrap();
        assert!(desk.search(&ctx, "阳秀英", 20).unwrap().is_empty(), "the piece has no key yet");
    }
    let mut desk = Desk::open_location(&location).unwrap();
    let ctx = day(&mut desk, "2026-11-23");
    let nos = |q: &str| desk.search(&ctx, q, 20).unwrap().into_iter().map(|h| h.member_no).collect::<Vec<_>>();
    assert_eq!(nos("阳秀英"), ["M000001"]);
    assert_eq!(nos("欧阳秀英"), ["M000001"]);
    assert_eq!(nos("esmi"), ["M000002"], "pieces run across the space");
    assert_eq!(
        desk.conn()
            .query_row("SELECT count(*) FROM member_name_grams WHERE length(gram) = 4", (), |r| r.get::<_, i64>(0))
            .unwrap(),
        1 + 6
    );
}

/// A name shared by more members than the list shows: the list is the earliest of them
/// (by member number), exact matches before longer names holding it; and a name typed in
/// another case of its Latin letters still puts the member whose name it is first.
#[test]
fn a_name_shared_by_more_members_than_the_list_shows_its_earliest_and_case_still_counts() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let mut phone = 13_700_000_000u64;
    let mut add = |desk: &mut Desk, name: &str, n: usize| {
        (0..n)
            .map(|_| {
                phone += 1;
                desk.enroll(&ctx, &input(name, &phone.to_string())).unwrap().member_no
            })
            .collect::<Vec<_>>()
    };
    let longer = add(&mut desk, "王芳芳", 5);
    let exact = add(&mut desk, "王芳", 25);
    let found = desk.search(&ctx, "王芳", 20).unwrap();
    assert_eq!(found.iter().map(|h| h.member_no.clone()).collect::<Vec<_>>(), exact[..20].to_vec());
    assert!(found.iter().all(|h| h.exact && h.name == "王芳"));
    assert!(!found.iter().any(|h| longer.contains(&h.member_no)));
    // ANNA王 came first; 21 members are called Anna王 as typed.
    let upper = add(&mut desk, "ANNA王", 1);
    add(&mut desk, "Anna王", 21);
    let found = desk.search(&ctx, "Anna王", 20).unwrap();
    assert_eq!(found.len(), 20);
    assert_eq!(found[0].member_no, upper[0], "the same name in other letters' case ranks with the exact ones");
    assert!(found.iter().all(|h| h.exact));
}
