//! Rules §1–4 end to end through the desk operations: checkout points, lots, the gift,
//! idempotent receipts, refunds and claw-back, negative balances, expiry, adjustments,
//! the store date.

mod common;
use common::*;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::ErrorCode;

#[test]
fn regular_member_earns_a_point_per_yuan_in_a_lot_valid_twelve_months() {
    let (mut desk, ctx) = store_without_pack("2026-03-15");
    let m = enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let o = buy(&mut desk, &ctx, &m.member_no, "199.99", "R1");
    assert_eq!((o.paid.as_str(), o.points_earned, o.points_balance, o.duplicate), ("199.99", Some(199), 199, false));
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    assert_eq!(card.lots.len(), 1);
    assert_eq!(card.lots[0].valid_until, d("2027-03-15"));
    assert_eq!(card.greeting, "张女士");
}

#[test]
fn core_member_paying_199_99_earns_239() {
    let (mut desk, ctx) = store_without_pack("2026-11-23");
    let m = enroll(&mut desk, &ctx, "李四", "13900139000", "M");
    desk.conn().execute("UPDATE members SET tier = 'core'", ()).unwrap();
    let o = buy(&mut desk, &ctx, &m.member_no, "199.99", "R1");
    assert_eq!(o.points_earned, Some(239));
}

#[test]
fn lot_earned_on_feb_29_is_valid_until_feb_28_and_expires_the_day_after() {
    let (mut desk, ctx) = store_without_pack("2028-02-29");
    enroll(&mut desk, &ctx, "王五", "13700137000", "M");
    buy(&mut desk, &ctx, "13700137000", "100.00", "R1");
    let card = desk.member_card(&ctx, "13700137000").unwrap();
    assert_eq!(card.lots[0].valid_until, d("2029-02-28"));
    let ctx = day(&mut desk, "2029-02-28");
    assert_eq!(desk.member_card(&ctx, "13700137000").unwrap().points_balance, 100, "valid through its last day");
    let report = desk.bring_up_to(d("2029-03-01"), true, "").unwrap();
    assert_eq!((report.lots_expired, report.points_expired), (1, 100));
    let ctx = day(&mut desk, "2029-03-01");
    let card = desk.member_card(&ctx, "13700137000").unwrap();
    assert_eq!(card.points_balance, 0);
    assert!(card.lots.is_empty());
    assert_ledger_invariants(&desk);
}

#[test]
fn gift_from_500_paid_one_per_receipt() {
    let (mut desk, ctx) = store_without_pack("2026-11-23");
    enroll(&mut desk, &ctx, "赵六", "13600136000", "F");
    assert_eq!(buy(&mut desk, &ctx, "13600136000", "500.00", "R1").gift.as_deref(), Some("满500赠品"));
    assert_eq!(buy(&mut desk, &ctx, "13600136000", "499.99", "R2").gift, None);
}

#[test]
fn the_same_receipt_again_returns_the_first_result_and_awards_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let first = buy(&mut desk, &ctx, "13800138000", "300.00", "R1");
    let again = buy(&mut desk, &ctx, "13800138000", "300.00", "R1");
    assert!(again.duplicate);
    assert_eq!((again.points_earned, again.points_balance), (first.points_earned, 300));
    assert_eq!(count(&desk, "points_ledger"), 1);
    let other = desk.checkout(
        &ctx,
        &CheckoutInput {
            member: "13800138000".into(),
            amount: "301.00".into(),
            receipt: "R1".into(),
            ..Default::default()
        },
    );
    assert_eq!(other.unwrap_err().code, ErrorCode::ReceiptConflict);
    assert_eq!(count(&desk, "receipts"), 1);
}

#[test]
fn bad_amounts_are_refused_and_write_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let before = (count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "audit_log"));
    for bad in ["abc", "-5", "0", "12.345", "1000000.01", ""] {
        let e = desk
            .checkout(
                &ctx,
                &CheckoutInput {
                    member: "13800138000".into(),
                    amount: bad.into(),
                    receipt: "R9".into(),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidAmount, "{bad}");
    }
    assert_eq!(before, (count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "audit_log")));
}

#[test]
fn refunds_claw_back_by_the_formula_own_lot_first() {
    let (mut desk, ctx) = store_without_pack("2026-11-01");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    desk.conn().execute("UPDATE members SET tier = 'core'", ()).unwrap();
    buy(&mut desk, &ctx, "13800138000", "50.00", "R0"); // 60 points in an older lot
    let ctx = day(&mut desk, "2026-11-10");
    buy(&mut desk, &ctx, "13800138000", "199.99", "R1"); // 239 points
                                                         // Tier changes later must not change the multiplier used at the sale.
    desk.conn().execute("UPDATE members SET tier = 'regular'", ()).unwrap();
    let r = refund(&mut desk, &ctx, "R1", "T1", "100.00");
    assert_eq!(r.points_clawed_back, Some(120), "239 − floor(99.99 × 1.2)");
    assert_eq!(r.points_balance, 60 + 239 - 120);
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    let older = card.lots.iter().find(|l| l.earned_on == d("2026-11-01")).unwrap();
    assert_eq!(older.points_remaining, 60, "the receipt's own lot pays first");
    let r = refund(&mut desk, &ctx, "R1", "T2", "99.99");
    assert_eq!(r.points_clawed_back, Some(119));
    assert_eq!(r.points_balance, 60);
    let too_much =
        desk.refund(&ctx, &RefundInput { of: "R1".into(), receipt: "T3".into(), amount: "0.01".into(), at: None });
    assert_eq!(too_much.unwrap_err().code, ErrorCode::RefundExceedsPaid);
    assert_ledger_invariants(&desk);
}

#[test]
fn a_refund_after_spending_makes_the_balance_negative_and_new_points_repay_it() {
    let (mut desk, ctx) = store_without_pack("2026-11-01");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    buy(&mut desk, &ctx, "13800138000", "300.00", "R1");
    desk.adjust(&ctx, "13800138000", -250, "兑换礼品（手工）").unwrap();
    let r = refund(&mut desk, &ctx, "R1", "T1", "300.00");
    assert_eq!((r.points_clawed_back, r.points_balance), (Some(300), -250));
    assert_ledger_invariants(&desk);
    let o = buy(&mut desk, &ctx, "13800138000", "100.00", "R2");
    assert_eq!(o.points_balance, -150, "earned points repay the debt first");
    let o = buy(&mut desk, &ctx, "13800138000", "200.00", "R3");
    assert_eq!(o.points_balance, 50);
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    assert_eq!(card.lots.iter().map(|l| l.points_remaining).sum::<i64>(), 50, "only the rest became a lot");
    assert_ledger_invariants(&desk);
}

#[test]
fn a_refund_sent_twice_claws_back_once() {
    let (mut desk, ctx) = store_without_pack("2026-11-01");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    buy(&mut desk, &ctx, "13800138000", "300.00", "R1");
    refund(&mut desk, &ctx, "R1", "T1", "100.00");
    let again = refund(&mut desk, &ctx, "R1", "T1", "100.00");
    assert!(again.duplicate);
    assert_eq!(again.points_balance, 200);
}

#[test]
fn adjustments_need_a_reason_and_cannot_overdraw() {
    let (mut desk, ctx) = store_without_pack("2026-11-01");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    assert_eq!(desk.adjust(&ctx, "13800138000", 50, "  ").unwrap_err().code, ErrorCode::ReasonRequired);
    assert_eq!(desk.adjust(&ctx, "13800138000", 50, "补录").unwrap().points_balance, 50);
    assert_eq!(desk.adjust(&ctx, "13800138000", -51, "纠错").unwrap_err().code, ErrorCode::PointsInsufficient);
    assert_eq!(desk.adjust(&ctx, "13800138000", -50, "纠错").unwrap().points_balance, 0);
    let audited: i64 = desk
        .conn()
        .query_row("SELECT count(*) FROM audit_log WHERE action = 'points.adjust' AND before IS NOT NULL", (), |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(audited, 2);
}

#[test]
fn the_store_date_never_goes_backwards_and_long_jumps_need_confirmation() {
    let (mut desk, _) = store_without_pack("2026-11-23");
    assert_eq!(desk.bring_up_to(d("2026-11-22"), true, "").unwrap_err().code, ErrorCode::StoreDateBackwards);
    assert_eq!(desk.bring_up_to(d("2026-12-25"), false, "").unwrap_err().code, ErrorCode::StoreDateJumpUnconfirmed);
    assert_eq!(desk.status().unwrap().store_date, Some(d("2026-11-23")), "a refused date moves nothing");
    desk.bring_up_to(d("2026-12-24"), false, "").unwrap();
    let s = desk.status().unwrap();
    assert_eq!((s.store_date, s.opening_day), (Some(d("2026-12-24")), Some(d("2026-11-23"))));
}

#[test]
fn sales_cannot_be_dated_after_the_store_date_or_before_the_opening_day() {
    let (mut desk, ctx) = store_without_pack("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let at = |s: &str| Some(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap());
    let input = |t: &str| CheckoutInput {
        member: "13800138000".into(),
        amount: "10".into(),
        receipt: "R1".into(),
        coupon: None,
        at: at(t),
        stored_value: None,
        sv_pin: None,
    };
    assert_eq!(desk.checkout(&ctx, &input("2026-11-24 09:00")).unwrap_err().code, ErrorCode::DateInFuture);
    assert_eq!(desk.checkout(&ctx, &input("2026-11-22 09:00")).unwrap_err().code, ErrorCode::DateBeforeOpening);
    assert!(desk.checkout(&ctx, &input("2026-11-23 09:00")).is_ok());
}
