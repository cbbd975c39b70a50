//! Property tests of the points ledger: whatever staff do — checkouts (some sent twice),
//! partial and full refunds, adjustments, days passing so lots expire — the balance is the
//! sum of the ledger and of the lots' remaining points, and duplicates change nothing.

mod common;
use chrono::Days;
use common::*;
use desk::checkout::{CheckoutInput, RefundInput};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Buy { member: usize, fen: i64 },
    BuyAgain,
    Refund { pick: usize, percent: u8 },
    Adjust { member: usize, points: i64 },
    Wait { days: u64 },
    SetTier { member: usize, tier: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, 1i64..200_000).prop_map(|(member, fen)| Op::Buy { member, fen }),
        1 => Just(Op::BuyAgain),
        2 => (0usize..50, 1u8..=100).prop_map(|(pick, percent)| Op::Refund { pick, percent }),
        1 => (0usize..3, -500i64..500).prop_map(|(member, points)| Op::Adjust { member, points }),
        1 => (1u64..200).prop_map(|days| Op::Wait { days }),
        1 => (0usize..3, 0usize..4).prop_map(|(member, tier)| Op::SetTier { member, tier }),
    ]
}

const PHONES: [&str; 3] = ["13800138000", "13900139000", "13700137000"];

proptest! {
    // Each case is a fresh store: on PostgreSQL a new schema with its migrations, so fewer.
    #![proptest_config(ProptestConfig::with_cases(if on_postgres() { 40 } else { 200 }))]
    #[test]
    fn balance_is_the_sum_of_the_ledger_and_of_the_lots(ops in proptest::collection::vec(op(), 1..40)) {
        let (mut desk, mut ctx) = store_on("2026-01-01");
        for (i, p) in PHONES.iter().enumerate() {
            enroll(&mut desk, &ctx, &format!("会员{}", ["甲", "乙", "丙"][i]), p, "F");
        }
        let mut receipts: Vec<String> = vec![];
        let mut last: Option<CheckoutInput> = None;
        let mut n = 0;
        for op in ops {
            match op {
                Op::Buy { member, fen } => {
                    n += 1;
                    let input = CheckoutInput {
                        member: PHONES[member].into(),
                        amount: format!("{}.{:02}", fen / 100, fen % 100),
                        receipt: format!("R{n}"),
                        ..Default::default()
                    };
                    desk.checkout(&ctx, &input).unwrap();
                    receipts.push(input.receipt.clone());
                    last = Some(input);
                }
                Op::BuyAgain => {
                    if let Some(input) = &last {
                        let before = (count(&desk, "points_ledger"), count(&desk, "points_lots"), count(&desk, "receipts"));
                        let o = desk.checkout(&ctx, input).unwrap();
                        prop_assert!(o.duplicate);
                        prop_assert_eq!(before, (count(&desk, "points_ledger"), count(&desk, "points_lots"), count(&desk, "receipts")));
                    }
                }
                Op::Refund { pick, percent } => {
                    if receipts.is_empty() { continue; }
                    let of = receipts[pick % receipts.len()].clone();
                    let left: i64 = desk.conn().query_row(
                        "SELECT paid_fen - refunded_fen FROM receipts WHERE receipt_no = ?1", [&of], |r| r.get(0)).unwrap();
                    let fen = (left * i64::from(percent) / 100).max(if left > 0 { 1 } else { 0 });
                    if fen == 0 { continue; }
                    n += 1;
                    let input = RefundInput { of, receipt: format!("T{n}"), amount: format!("{}.{:02}", fen / 100, fen % 100), at: None };
                    desk.refund(&ctx, &input).unwrap();
                }
                Op::Adjust { member, points } => {
                    if points != 0 {
                        let _ = desk.adjust(&ctx, PHONES[member], points, "测试调整");
                    }
                }
                Op::Wait { days } => {
                    let date = ctx.store_date + Days::new(days);
                    ctx = day(&mut desk, &date.to_string());
                }
                Op::SetTier { member, tier } => {
                    let t = ["regular", "active", "core", "loyal"][tier];
                    desk.conn().execute("UPDATE members SET tier = ?1 WHERE phone = ?2", [t, PHONES[member]]).unwrap();
                }
            }
            assert_ledger_invariants(&desk);
        }
        // A full refund of every receipt leaves none of its points.
        let fully: i64 = desk.conn().query_row(
            "SELECT count(*) FROM receipts s WHERE s.kind = 'sale' AND s.refunded_fen = s.paid_fen AND s.points <>
                (SELECT coalesce(sum(points), 0) FROM receipts r WHERE r.refund_of = s.id)", (), |r| r.get(0)).unwrap();
        prop_assert_eq!(fully, 0, "a fully refunded receipt gives back every point it earned");
    }
}
