//! Rules §6–8 end to end: the program's coupons, using them at checkout (each refusal),
//! giving them back on a full refund, referrals rewarded once, and redemption with stock.

mod common;
use common::*;
use desk::checkout::CheckoutInput;
use desk::members::MemberInput;
use desk::{Desk, ErrorCode};

fn pay(
    desk: &mut Desk,
    ctx: &desk::Ctx,
    member: &str,
    amount: &str,
    receipt: &str,
    coupon: Option<&str>,
) -> Result<desk::ReceiptOutcome, desk::DeskError> {
    desk.checkout(
        ctx,
        &CheckoutInput {
            member: member.into(),
            amount: amount.into(),
            receipt: receipt.into(),
            coupon: coupon.map(Into::into),
            at: None,
            stored_value: None,
            sv_pin: None,
        },
    )
}

fn coupon_of(desk: &Desk, ctx: &desk::Ctx, member: &str, name_part: &str) -> desk::coupons::CouponView {
    desk.member_card(ctx, member)
        .unwrap()
        .coupons
        .into_iter()
        .find(|c| c.name.contains(name_part))
        .expect("the coupon was issued")
}

#[test]
fn the_new_member_pack_gives_50_points_and_a_30_day_coupon() {
    let (mut desk, ctx) = store_on("2026-11-02");
    let card = enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    assert_eq!(card.points_balance, 50);
    let c = &card.coupons[0];
    assert_eq!((c.description.as_str(), c.min_spend.as_str(), c.value.as_str()), ("满100减10", "100.00", "10.00"));
    assert_eq!((c.valid_from, c.valid_until, c.status.as_str()), (d("2026-11-02"), d("2026-12-01"), "unused"));
}

#[test]
fn each_coupon_refusal_has_its_own_code_and_chinese_message() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    enroll(&mut desk, &ctx, "李四", "13900139000", "M");
    let mine = coupon_of(&desk, &ctx, "13800138000", "新手").code;
    let e = pay(&mut desk, &ctx, "13800138000", "99.99", "R1", Some(&mine)).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::CouponMinSpend, "未满100元，不能使用该优惠券"));
    let e = pay(&mut desk, &ctx, "13900139000", "150", "R1", Some(&mine)).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::CouponNotOwned, "优惠券不属于该会员"));
    let e = pay(&mut desk, &ctx, "13800138000", "150", "R1", Some("QNOSUCH00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::CouponNotFound);
    let o = pay(&mut desk, &ctx, "13800138000", "150", "R1", Some(&mine.to_lowercase())).unwrap();
    assert_eq!((o.discount.as_str(), o.paid.as_str(), o.points_earned), ("10.00", "140.00", Some(140)));
    assert_eq!(o.coupon_used.as_deref(), Some(mine.as_str()));
    let e = pay(&mut desk, &ctx, "13800138000", "150", "R2", Some(&mine)).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::CouponUsed, "优惠券已使用"));
    let theirs = coupon_of(&desk, &ctx, "13900139000", "新手").code;
    let ctx = day(&mut desk, "2026-12-02");
    let e = pay(&mut desk, &ctx, "13900139000", "150", "R3", Some(&theirs)).unwrap_err();
    assert_eq!(e.code, ErrorCode::CouponExpired);
    assert!(e.message.contains("过期"), "{}", e.message);
    assert_eq!(count(&desk, "receipts"), 1, "refusals write nothing");
}

#[test]
fn rate_coupons_round_half_up_and_points_follow_what_is_paid() {
    let (mut desk, ctx) = store_on("2026-11-02");
    let a = enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let b = desk
        .enroll(
            &ctx,
            &MemberInput {
                name: "李四".into(),
                phone: "13900139000".into(),
                referrer: a.referral_code.clone(),
                ..Default::default()
            },
        )
        .unwrap();
    let first_order = coupon_of(&desk, &ctx, &b.member_no, "8折").code;
    let o = pay(&mut desk, &ctx, &b.member_no, "199.99", "R1", Some(&first_order)).unwrap();
    assert_eq!((o.discount.as_str(), o.paid.as_str(), o.points_earned), ("40.00", "159.99", Some(159)));
}

#[test]
fn one_coupon_per_checkout() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    pay(&mut desk, &ctx, "13800138000", "50", "R0", None).unwrap();
    let pack = coupon_of(&desk, &ctx, "13800138000", "新手").code;
    let again = coupon_of(&desk, &ctx, "13800138000", "复购").code;
    pay(&mut desk, &ctx, "13800138000", "150", "R1", Some(&pack)).unwrap();
    let e = pay(&mut desk, &ctx, "13800138000", "150", "R1", Some(&again)).unwrap_err();
    assert_eq!(e.code, ErrorCode::ReceiptConflict, "a second coupon on the same receipt is refused");
    assert_eq!(coupon_of(&desk, &ctx, "13800138000", "复购").status, "unused");
}

#[test]
fn a_full_refund_gives_the_coupon_back_a_partial_one_does_not() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let pack = coupon_of(&desk, &ctx, "13800138000", "新手").code;
    pay(&mut desk, &ctx, "13800138000", "200", "R1", Some(&pack)).unwrap();
    refund(&mut desk, &ctx, "R1", "T1", "100.00");
    assert_eq!(coupon_of(&desk, &ctx, "13800138000", "新手").status, "used", "partial refund");
    refund(&mut desk, &ctx, "R1", "T2", "90.00");
    assert_eq!(coupon_of(&desk, &ctx, "13800138000", "新手").status, "unused", "full refund: back, still valid");
    // Used again, refunded after its last day: it stays expired.
    pay(&mut desk, &ctx, "13800138000", "200", "R2", Some(&pack)).unwrap();
    let ctx = day(&mut desk, "2026-12-05");
    refund(&mut desk, &ctx, "R2", "T3", "190.00");
    assert_eq!(coupon_of(&desk, &ctx, "13800138000", "新手").status, "expired");
    assert_ledger_invariants(&desk);
}

#[test]
fn the_first_checkout_brings_the_repurchase_coupon() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    pay(&mut desk, &ctx, "13800138000", "30", "R1", None).unwrap();
    let c = coupon_of(&desk, &ctx, "13800138000", "复购");
    assert_eq!((c.description.as_str(), c.valid_until), ("9折", d("2026-12-01")));
    pay(&mut desk, &ctx, "13800138000", "30", "R2", None).unwrap();
    let n = desk.member_card(&ctx, "13800138000").unwrap().coupons.iter().filter(|c| c.name.contains("复购")).count();
    assert_eq!(n, 1, "only after the first");
}

#[test]
fn a_referral_is_rewarded_once_even_if_the_first_checkout_is_sent_twice() {
    let (mut desk, ctx) = store_on("2026-11-02");
    let a = enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    desk.enroll(
        &ctx,
        &MemberInput {
            name: "李四".into(),
            phone: "13900139000".into(),
            referrer: "138 0013 8000".into(),
            ..Default::default()
        },
    )
    .unwrap();
    pay(&mut desk, &ctx, "13900139000", "80", "R1", None).unwrap();
    pay(&mut desk, &ctx, "13900139000", "80", "R1", None).unwrap();
    pay(&mut desk, &ctx, "13900139000", "80", "R2", None).unwrap();
    let card = desk.member_card(&ctx, &a.member_no).unwrap();
    assert_eq!(card.points_balance, 50 + 100);
    assert_eq!(card.coupons.iter().filter(|c| c.name.contains("推荐奖励")).count(), 1);
    assert_eq!(card.referrals.successful, 1);
    assert_eq!(card.referrals.members[0].member_no, "M000002");
    assert_ledger_invariants(&desk);
}

#[test]
fn a_loyal_referrer_gets_200_points() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    desk.conn().execute("UPDATE members SET tier = 'loyal'", ()).unwrap();
    desk.enroll(
        &ctx,
        &MemberInput {
            name: "李四".into(),
            phone: "13900139000".into(),
            referrer: "13800138000".into(),
            ..Default::default()
        },
    )
    .unwrap();
    pay(&mut desk, &ctx, "13900139000", "80", "R1", None).unwrap();
    assert_eq!(desk.member_card(&ctx, "13800138000").unwrap().points_balance, 50 + 200);
}

#[test]
fn redemption_costs_come_from_the_catalog_and_short_or_negative_balances_are_refused() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let catalog = desk.catalog(&ctx).unwrap();
    let voucher = catalog.iter().find(|i| i.points == 500).unwrap().id;
    let e = desk.redeem(&ctx, "13800138000", voucher).unwrap_err();
    assert_eq!(e.code, ErrorCode::PointsInsufficient);
    assert!(e.message.contains("积分不足"));
    pay(&mut desk, &ctx, "13800138000", "600", "R1", None).unwrap();
    let o = desk.redeem(&ctx, "13800138000", voucher).unwrap();
    assert_eq!((o.points_before, o.points_spent, o.points_balance), (650, 500, 150));
    let c = o.coupon.unwrap();
    assert_eq!((c.description.as_str(), c.valid_until), ("50元无门槛", d("2027-01-30")));
    refund(&mut desk, &ctx, "R1", "T1", "600.00");
    let e = desk.redeem(&ctx, "13800138000", voucher).unwrap_err();
    assert_eq!(e.code, ErrorCode::PointsNegative);
    assert_ledger_invariants(&desk);
}

#[test]
fn redemptions_and_discounts_never_count_as_spend() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let pack = coupon_of(&desk, &ctx, "13800138000", "新手").code;
    pay(&mut desk, &ctx, "13800138000", "5000", "R1", Some(&pack)).unwrap();
    let voucher = desk.catalog(&ctx).unwrap().into_iter().find(|i| i.points == 500).unwrap().id;
    desk.redeem(&ctx, "13800138000", voucher).unwrap();
    let ctx = day(&mut desk, "2026-12-01");
    let v = desk.member_card(&ctx, "13800138000").unwrap().tier_view;
    // Spend is what was paid (4,990) once; the redemption adds nothing: C = 49.90 + 2.
    assert_eq!(v.consumption, "51.90");
}

#[test]
fn two_redemptions_racing_for_the_last_item_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    let mut desk = Desk::open(&db).unwrap();
    let ctx = day(&mut desk, "2026-11-02");
    for (n, p) in [("张三", "13800138000"), ("李四", "13900139000")] {
        enroll(&mut desk, &ctx, n, p, "F");
        desk.adjust(&ctx, p, 2000, "测试").unwrap();
    }
    let mut gift = desk.catalog(&ctx).unwrap().into_iter().find(|i| i.points == 1000).unwrap();
    gift.stock = Some(1);
    desk.save_catalog_item(&ctx, &gift).unwrap();
    drop(desk);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = ["13800138000", "13900139000"]
        .into_iter()
        .map(|phone| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut desk = Desk::open(&db).unwrap();
                let ctx = desk.manager_ctx(d("2026-11-02"), d("2026-11-02").and_hms_opt(10, 0, 0).unwrap()).unwrap();
                barrier.wait();
                desk.redeem(&ctx, phone, gift.id).map(|o| o.points_balance)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(lost.code, ErrorCode::OutOfStock);
    let desk = Desk::open(&db).unwrap();
    assert_eq!(desk.catalog(&ctx).unwrap().into_iter().find(|i| i.id == gift.id).unwrap().stock, Some(0));
    let balances: Vec<i64> =
        ["13800138000", "13900139000"].iter().map(|p| desk.member_card(&ctx, p).unwrap().points_balance).collect();
    assert_eq!(balances.iter().filter(|b| **b == 1050).count(), 1, "only the winner paid: {balances:?}");
    assert_ledger_invariants(&desk);
}

#[test]
fn a_quote_shows_the_checkout_and_writes_nothing() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let pack = coupon_of(&desk, &ctx, "13800138000", "新手").code;
    let before = (count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "coupons"));
    let q = desk
        .checkout_quote(
            &ctx,
            &CheckoutInput {
                member: "13800138000".into(),
                amount: "520".into(),
                receipt: "R1".into(),
                coupon: Some(pack.clone()),
                at: None,
                stored_value: None,
                sv_pin: None,
            },
        )
        .unwrap();
    assert_eq!((q.paid.as_str(), q.points_earned, q.gift.as_deref()), ("510.00", Some(510), Some("满500赠品")));
    assert_eq!(before, (count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "coupons")));
    assert_eq!(coupon_of(&desk, &ctx, "13800138000", "新手").status, "unused");
}
