//! Stored value (rules §14) end to end on either engine: top-ups with the rule that
//! applies and its bonus, idempotent receipts, payouts by the manager, and the ledger's
//! invariants under any sequence of them.

mod common;
use common::*;
use desk::stored_value::TopUpInput;
use desk::ErrorCode;
use proptest::prelude::*;

fn top_up(
    desk: &mut desk::Desk,
    ctx: &desk::Ctx,
    member: &str,
    amount: &str,
    receipt: &str,
) -> desk::DeskResult<desk::stored_value::TopUpOutcome> {
    desk.top_up(ctx, &TopUpInput { member: member.into(), amount: amount.into(), receipt: receipt.into(), at: None })
}

#[test]
fn a_top_up_of_500_gets_50_and_the_same_receipt_again_adds_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let o = top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    assert_eq!((o.amount.as_str(), o.bonus.as_str(), o.rule.as_deref()), ("500.00", "50.00", Some("充500送50")));
    assert_eq!((o.principal.as_str(), o.bonus_balance.as_str(), o.duplicate), ("500.00", "50.00", false));
    let again = top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    assert!(again.duplicate);
    assert_eq!((again.principal.as_str(), again.bonus_balance.as_str()), ("500.00", "50.00"));
    let other = top_up(&mut desk, &ctx, "13800000001", "600", "T1").unwrap_err();
    assert_eq!(other.code, ErrorCode::ReceiptConflict);
    // The highest rule reached applies once: 1,200 gets 120 (充1000送120), not 50 + 120.
    let big = top_up(&mut desk, &ctx, "13800000001", "1200", "T2").unwrap();
    assert_eq!(
        (big.bonus.as_str(), big.principal.as_str(), big.bonus_balance.as_str()),
        ("120.00", "1700.00", "170.00")
    );
    // A top-up earns no points and is no visit.
    let card = desk.member_card(&ctx, "13800000001").unwrap();
    assert_eq!(card.points_balance, 0);
    assert_eq!((card.stored_value.principal.as_str(), card.stored_value.bonus.as_str()), ("1700.00", "170.00"));
    assert_eq!(count(&desk, "receipts"), 0);
    // Below a rule's threshold: no bonus.
    let small = top_up(&mut desk, &ctx, "13800000001", "100", "T3").unwrap();
    assert_eq!((small.bonus.as_str(), small.rule), ("0.00", None));
    assert_ledger_invariants(&desk);
}

#[test]
fn top_ups_out_of_range_or_on_a_sales_receipt_number_are_refused_and_write_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    buy(&mut desk, &ctx, "13800000001", "100", "R1");
    for (amount, code) in
        [("9.99", ErrorCode::InvalidAmount), ("50000.01", ErrorCode::InvalidAmount), ("abc", ErrorCode::InvalidAmount)]
    {
        assert_eq!(top_up(&mut desk, &ctx, "13800000001", amount, "T1").unwrap_err().code, code, "{amount}");
    }
    assert_eq!(top_up(&mut desk, &ctx, "13800000001", "100", "R1").unwrap_err().code, ErrorCode::ReceiptConflict);
    assert_eq!(count(&desk, "top_ups") + count(&desk, "sv_ledger"), 0);
    // And a checkout may not take a top-up's number.
    top_up(&mut desk, &ctx, "13800000001", "100", "T9").unwrap();
    let refused = desk
        .checkout(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: "13800000001".into(),
                amount: "10".into(),
                receipt: "T9".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::ReceiptConflict);
    // The front desk tops up; customer service does not.
    let service = desk::Ctx { role: desk::Role::CustomerService, ..ctx.clone() };
    assert_eq!(top_up(&mut desk, &service, "13800000001", "100", "T10").unwrap_err().code, ErrorCode::NotAllowed);
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert!(top_up(&mut desk, &front, "13800000001", "100", "T10").is_ok());
}

#[test]
fn a_payout_is_the_managers_with_a_reason_and_takes_the_bonus_in_proportion() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert_eq!(desk.payout(&front, "13800000001", "100", "搬家").unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.payout(&ctx, "13800000001", "100", " ").unwrap_err().code, ErrorCode::ReasonRequired);
    assert_eq!(desk.payout(&ctx, "13800000001", "500.01", "搬家").unwrap_err().code, ErrorCode::InvalidAmount);
    // 200 of 500 principal takes 20 of the 50 bonus.
    let p = desk.payout(&ctx, "13800000001", "200", "搬家").unwrap();
    assert_eq!((p.principal_paid.as_str(), p.bonus_removed.as_str()), ("200.00", "20.00"));
    assert_eq!((p.principal.as_str(), p.bonus_balance.as_str()), ("300.00", "30.00"));
    // All of it removes all the bonus.
    let all = desk.payout(&ctx, "13800000001", "all", "搬家").unwrap();
    assert_eq!((all.principal_paid.as_str(), all.bonus_removed.as_str()), ("300.00", "30.00"));
    assert_eq!((all.principal.as_str(), all.bonus_balance.as_str()), ("0.00", "0.00"));
    assert_eq!(desk.payout(&ctx, "13800000001", "all", "搬家").unwrap_err().code, ErrorCode::InvalidAmount);
    let audit = desk
        .audit_entries(
            &ctx,
            &desk::staff::AuditQuery { action: Some("sv.payout".into()), ..desk::staff::AuditQuery::default() },
        )
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_ledger_invariants(&desk);
}

#[derive(Debug, Clone)]
enum Op {
    TopUp(u32),
    Payout(Option<u32>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![(1_000u32..300_000).prop_map(Op::TopUp), proptest::option::of(1u32..200_000).prop_map(Op::Payout),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn top_ups_and_payouts_keep_each_account_the_sum_of_its_ledger(ops in proptest::collection::vec(op(), 1..12)) {
        let (mut desk, ctx) = store_without_pack("2026-12-01");
        enroll(&mut desk, &ctx, "张三", "13800000001", "M");
        let mut paid_in = 0i64;
        let mut paid_out = 0i64;
        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::TopUp(fen) => {
                    let amount = loyalty::money::format(loyalty::money::from_fen(i64::from(*fen)));
                    top_up(&mut desk, &ctx, "13800000001", &amount, &format!("T{i}")).unwrap();
                    paid_in += i64::from(*fen);
                }
                Op::Payout(fen) => {
                    let amount = fen.map(|f| loyalty::money::format(loyalty::money::from_fen(i64::from(f)))).unwrap_or("all".into());
                    if let Ok(p) = desk.payout(&ctx, "13800000001", &amount, "测试") {
                        paid_out += loyalty::money::to_fen(p.principal_paid.parse().unwrap());
                    }
                }
            }
            assert_ledger_invariants(&desk);
        }
        // A payout never pays out more principal than was paid in.
        let card = desk.member_card(&ctx, "13800000001").unwrap();
        let principal = loyalty::money::to_fen(card.stored_value.principal.parse().unwrap());
        prop_assert_eq!(principal, paid_in - paid_out);
    }
}
