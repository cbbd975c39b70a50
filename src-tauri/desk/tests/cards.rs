//! The member card (rules §2): every member has a random 12-digit code with a Luhn check
//! digit; the lookup box and the till take it; a replaced card's old code is refused by
//! name. On either engine.

mod common;
use common::*;
use desk::staff::AuditQuery;
use desk::ErrorCode;
use loyalty::stored_value::is_card_code;

#[test]
fn each_member_gets_a_card_code_that_finds_them_at_the_lookup_box_and_the_till() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    let zhang = enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let li = enroll(&mut desk, &ctx, "李四", "13800000002", "F");
    let (a, b) = (zhang.card_code.clone().unwrap(), li.card_code.clone().unwrap());
    assert!(is_card_code(&a) && is_card_code(&b), "{a} {b}");
    assert_ne!(a, b);
    // Not derived from the phone or the member number.
    assert!(!a.contains("13800000001") && !a.contains("000001"), "{a}");

    let hits = desk.search(&ctx, &a, 20).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].member_no.as_str(), hits[0].matched.as_str(), hits[0].exact), ("M000001", "card_code", true));
    // The scanner types the code and Enter: the till takes it as the member.
    let sale = buy(&mut desk, &ctx, &b, "100", "R1");
    assert_eq!(sale.member_no, li.member_no);
    assert_eq!(desk.member_card(&ctx, &b).unwrap().member_no, li.member_no);
}

#[test]
fn a_replaced_cards_old_code_is_refused_with_its_own_message() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    let zhang = enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let old = zhang.card_code.unwrap();
    // The front desk hands out the new card; customer service cannot.
    let service = desk::Ctx { role: desk::Role::CustomerService, ..ctx.clone() };
    assert_eq!(desk.member_card_code(&service, "M000001", true).unwrap_err().code, ErrorCode::NotAllowed);
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    let shown = desk.member_card_code(&front, "M000001", false).unwrap();
    assert_eq!((shown.card_code.as_str(), shown.replaced), (old.as_str(), false));
    let new = desk.member_card_code(&front, "M000001", true).unwrap();
    assert!(new.replaced && is_card_code(&new.card_code) && new.card_code != old);

    let refused = desk.search(&ctx, &old, 20).unwrap_err();
    assert_eq!((refused.code, refused.message.as_str()), (ErrorCode::CardReplaced, "此卡已换新，请使用新卡"));
    let till = desk
        .checkout(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: old.clone(),
                amount: "10".into(),
                receipt: "R1".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(till.code, ErrorCode::CardReplaced);
    assert_eq!(count(&desk, "receipts"), 0, "a refused scan writes nothing");
    assert_eq!(desk.search(&ctx, &new.card_code, 20).unwrap()[0].member_no, "M000001");
    let audit = desk
        .audit_entries(&ctx, &AuditQuery { action: Some("member.card_replaced".into()), ..AuditQuery::default() })
        .unwrap();
    assert_eq!(audit.len(), 1);
}

#[test]
fn a_merged_members_card_finds_the_kept_member_and_an_erased_members_card_nobody() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    let kept = enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let twice = enroll(&mut desk, &ctx, "张三", "13800000011", "M");
    let gone = enroll(&mut desk, &ctx, "王五", "13800000003", "F");
    desk.merge_members(&ctx, &kept.member_no, &twice.member_no).unwrap();
    assert_eq!(desk.search(&ctx, twice.card_code.as_deref().unwrap(), 20).unwrap()[0].member_no, kept.member_no);

    desk.erase_member(&ctx, &gone.member_no, &gone.member_no).unwrap();
    assert!(desk.search(&ctx, gone.card_code.as_deref().unwrap(), 20).unwrap().is_empty());
    assert_eq!(desk.member_card(&ctx, &gone.member_no).unwrap().card_code, None);
}

fn card_codes(desk: &desk::Desk) -> Vec<Option<String>> {
    desk.conn()
        .prepare("SELECT card_code FROM members ORDER BY id")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn members_enrolled_before_the_card_get_one_when_the_store_is_next_opened() {
    if on_postgres() {
        return; // The upgrade is the same migration on both engines; this builds a file at step 11.
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut desk = desk::Desk::open(&path).unwrap();
        let ctx = day(&mut desk, "2026-12-01");
        enroll(&mut desk, &ctx, "张三", "13800000001", "M");
        enroll(&mut desk, &ctx, "李四", "13800000002", "F");
        // As a store of schema 11 had them: no card codes yet.
        desk.conn().execute("UPDATE members SET card_code = NULL", ()).unwrap();
    }
    let desk = desk::Desk::open(&path).unwrap();
    let codes = card_codes(&desk);
    assert_eq!(codes.len(), 2);
    assert!(codes.iter().all(|c| c.as_deref().is_some_and(is_card_code)), "{codes:?}");
    assert_ne!(codes[0], codes[1]);
    // Opening again writes nothing: everybody has one.
    let before = desk.conn().query_row("SELECT count(*) FROM audit_log", (), |r| r.get::<_, i64>(0)).unwrap();
    drop(desk);
    let desk = desk::Desk::open(&path).unwrap();
    assert_eq!(card_codes(&desk), codes);
    assert_eq!(desk.conn().query_row("SELECT count(*) FROM audit_log", (), |r| r.get::<_, i64>(0)).unwrap(), before);
}

#[test]
fn each_counter_keeps_its_own_printer_settings_and_a_bad_margin_changes_nothing() {
    use desk::print::{PrintSettings, PrintSettingsInput, SlipWidth};
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    desk.set_station(None, "前台1").unwrap();
    assert_eq!(desk.print_settings().unwrap(), PrintSettings::default());
    assert_eq!(PrintSettings::default().slip_width, SlipWidth::Mm80);
    let cashier = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    let set = |w: Option<&str>, s: Option<&str>, c: Option<&str>| PrintSettingsInput {
        slip_width: w.map(str::to_string),
        slip_margin_mm: s.map(str::to_string),
        card_margin_mm: c.map(str::to_string),
    };
    let saved = desk.save_print_settings(&cashier, &set(Some("58"), Some("3"), Some("1"))).unwrap();
    assert_eq!(saved, PrintSettings { slip_width: SlipWidth::Mm58, slip_margin_mm: 3, card_margin_mm: 1 });

    // The next till has its own printer: the defaults until someone sets it.
    desk.set_station(None, "前台2").unwrap();
    assert_eq!(desk.print_settings().unwrap(), PrintSettings::default());
    desk.save_print_settings(&cashier, &set(None, Some("5mm"), None)).unwrap();
    assert_eq!(desk.print_settings().unwrap().slip_margin_mm, 5);
    assert_eq!(desk.print_settings().unwrap().slip_width, SlipWidth::Mm80);

    // Back at the first till: its own paper, untouched.
    desk.set_station(None, "前台1").unwrap();
    assert_eq!(desk.print_settings().unwrap().slip_width, SlipWidth::Mm58);
    for bad in [
        set(Some("76"), None, None),
        set(None, Some("11"), None),
        set(None, None, Some("-1")),
        set(None, Some("7"), None),
    ] {
        let e = desk.save_print_settings(&cashier, &bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad:?}");
        assert!(e.message.contains("边距") || e.message.contains("纸宽"), "{}", e.message);
    }
    assert_eq!(desk.print_settings().unwrap(), saved, "a refused change writes nothing");
}
